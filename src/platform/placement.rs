//! Whether a job profile's pods have somewhere to run: a nodegroup whose
//! labels satisfy the pod template's node selector, whose taints the
//! template tolerates, and one of whose instance types holds the pod
//! (see `sizing`). A profile whose driver or executors fit no nodegroup
//! would leave its jobs pending forever; the platform's plan warns of it.

use std::collections::BTreeMap;

use super::job_profiles::ProfileSettings;
use super::node_roles::{Taint, TaintEffect};
use super::pod_templates::{node_role, JobProfile, SparkRole};
use super::sizing::{self, InstanceShape};

/// A nodegroup as placement sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct NodegroupFacts {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// Its instance types; empty when they could not be described, in
    /// which case the group is taken to hold the pod.
    pub shapes: Vec<InstanceShape>,
}

/// Whether the group's nodes accept the pods of that profile and role:
/// the node selector, the tolerations, then the size.
pub fn hosts(
    group: &NodegroupFacts,
    profile: JobProfile,
    spark_role: SparkRole,
    settings: &ProfileSettings,
) -> bool {
    let role = node_role(profile, spark_role);
    let selected = role
        .labels()
        .iter()
        .all(|(key, value)| group.labels.get(key) == Some(value));
    let tolerations = role.taints();
    let tolerated = group
        .taints
        .iter()
        .filter(|taint| taint.effect != TaintEffect::PreferNoSchedule)
        .all(|taint| tolerations.contains(taint));
    if !selected || !tolerated {
        return false;
    }
    let Ok(request) = sizing::request(settings, spark_role) else {
        // Settings validation reports the bad value; do not pile on.
        return true;
    };
    group.shapes.is_empty()
        || group
            .shapes
            .iter()
            .any(|shape| sizing::fit(shape, &request).pods_per_node > 0)
}

/// The pods of each profile that no nodegroup can run, with a warning
/// naming the labels and taints such a nodegroup needs.
pub fn unplaced(
    profiles: &[(JobProfile, ProfileSettings)],
    groups: &[NodegroupFacts],
) -> Vec<(JobProfile, String)> {
    let mut found = Vec::new();
    for (profile, settings) in profiles {
        for spark_role in [SparkRole::Driver, SparkRole::Executor] {
            if groups
                .iter()
                .any(|group| hosts(group, *profile, spark_role, settings))
            {
                continue;
            }
            let role = node_role(*profile, spark_role);
            let labels: Vec<String> = role
                .labels()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            found.push((
                *profile,
                format!(
                    "No nodegroup of the platform can run the {}: none has the labels {} and only taints it tolerates, with an instance type that holds it. Its jobs would stay pending. Add an `emreks_nodegroup` with role = \"{}\" (or a `custom` one with those labels), or raise its instance types.",
                    sizing::describe(*profile, spark_role, settings),
                    labels.join(", "),
                    role.as_str(),
                ),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::node_roles::NodeRole;

    fn group(role: NodeRole, shapes: Vec<InstanceShape>) -> NodegroupFacts {
        NodegroupFacts {
            name: role.as_str().to_string(),
            labels: role.labels(),
            taints: role.taints(),
            shapes,
        }
    }

    /// m6gd.8xlarge as `DescribeInstanceTypes` gives it: 32 vCPUs, 128 GiB,
    /// 8 ENIs of 30 addresses.
    fn m6gd_8xlarge() -> InstanceShape {
        InstanceShape {
            instance_type: "m6gd.8xlarge".into(),
            vcpus: 32,
            memory_mib: 131072,
            max_pods: sizing::managed_max_pods(32, 8, 30),
        }
    }

    fn m6g_large() -> InstanceShape {
        InstanceShape {
            instance_type: "m6g.large".into(),
            vcpus: 2,
            memory_mib: 8192,
            max_pods: sizing::managed_max_pods(2, 3, 10),
        }
    }

    fn reference(profile: JobProfile) -> (JobProfile, ProfileSettings) {
        (profile, ProfileSettings::defaults(profile))
    }

    #[test]
    fn the_reference_nodegroups_run_every_profile() {
        let groups: Vec<NodegroupFacts> = [
            NodeRole::Critical,
            NodeRole::NonCriticalDriver,
            NodeRole::NonCriticalExecutor,
            NodeRole::NotebookDriver,
            NodeRole::NotebookExecutor,
        ]
        .into_iter()
        .map(|role| group(role, vec![m6gd_8xlarge()]))
        .collect();
        let profiles: Vec<_> = JobProfile::ALL.into_iter().map(reference).collect();
        assert_eq!(unplaced(&profiles, &groups), []);
    }

    #[test]
    fn a_missing_role_leaves_its_profile_pending() {
        // The team example's choice: no non_critical nodegroups.
        let groups = vec![
            group(NodeRole::Critical, vec![m6gd_8xlarge()]),
            group(NodeRole::NotebookDriver, vec![]),
            group(NodeRole::NotebookExecutor, vec![]),
        ];
        let profiles: Vec<_> = JobProfile::ALL.into_iter().map(reference).collect();
        let found = unplaced(&profiles, &groups);
        assert_eq!(
            found.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            [JobProfile::NonCritical, JobProfile::NonCritical]
        );
        assert!(found[0].1.contains("driver of the non-critical profile"));
        assert!(found[1].1.contains("role = \"non_critical_executor\""));
        assert!(found[1].1.contains("lifecycle=spot"), "{}", found[1].1);
    }

    #[test]
    fn too_small_instances_or_foreign_taints_do_not_count() {
        let small = group(NodeRole::Critical, vec![m6g_large()]);
        assert!(!hosts(
            &small,
            JobProfile::Critical,
            SparkRole::Executor,
            &ProfileSettings::defaults(JobProfile::Critical)
        ));
        let mut tainted = group(NodeRole::Critical, vec![m6gd_8xlarge()]);
        tainted.taints.push(Taint {
            key: "nvidia.com/gpu".into(),
            value: "true".into(),
            effect: TaintEffect::NoSchedule,
        });
        assert!(!hosts(
            &tainted,
            JobProfile::Critical,
            SparkRole::Driver,
            &ProfileSettings::defaults(JobProfile::Critical)
        ));
    }

    #[test]
    fn a_custom_nodegroup_with_the_labels_and_taints_hosts_the_pods() {
        let role = NodeRole::Critical;
        let custom = NodegroupFacts {
            name: "custom".into(),
            labels: role
                .labels()
                .into_iter()
                .chain([("team".to_string(), "risk".to_string())])
                .collect(),
            taints: role.taints(),
            shapes: vec![m6gd_8xlarge()],
        };
        assert!(hosts(
            &custom,
            JobProfile::Critical,
            SparkRole::Executor,
            &ProfileSettings::defaults(JobProfile::Critical)
        ));
    }

    #[test]
    fn the_walkthrough_job_fits_the_critical_nodes() {
        // 8 task slots on a 7-core request, 28G heap.
        let mut settings = ProfileSettings::defaults(JobProfile::Critical);
        settings.executor_cores = 7.0;
        settings.executor_task_cores = Some(8);
        settings.executor_memory = "28G".into();
        settings.driver_cores = 2.0;
        settings.driver_memory = "6G".into();
        let groups = vec![group(NodeRole::Critical, vec![m6gd_8xlarge()])];
        assert_eq!(
            unplaced(&[(JobProfile::Critical, settings.clone())], &groups),
            []
        );
        let request = sizing::executor_request(&settings).unwrap();
        assert_eq!(
            sizing::fit(&m6gd_8xlarge(), &request).pods_per_node,
            4,
            "7 cores and 28G + 10% overhead: four executors per 32-vCPU, 128 GiB node"
        );
    }
}
