//! Amazon EKS: the cluster, its nodegroups, add-ons, access entries and
//! Pod Identity associations, the updates EKS runs on them, and their tags.

pub mod access_entry;
pub mod addon;
pub mod cluster;
pub mod nodegroup;
pub mod pod_identity;
pub mod tags;
pub mod update;

fn cluster_resource(name: &str) -> String {
    format!("EKS cluster \"{name}\"")
}
