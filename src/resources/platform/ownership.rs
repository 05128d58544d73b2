//! The plan-time half of "own only what the platform made": a new platform
//! may not take the name of an EKS cluster it did not make, since every
//! later step (and destroy) would act on that cluster.

use super::apply::owns_cluster;
use crate::aws::eks::cluster::find_cluster;
use crate::aws::Aws;
use crate::platform::naming::{self, Owner};
use crate::plugin::{AttributePath, Diagnostic, Diagnostics};

/// Refuses, on `name`, a cluster of that name that exists already, unless
/// it is the one a replacement is about to destroy (`replaced` is the
/// suffix of the object in the state, and the cluster carries its marker).
/// When a replacement's name is taken by someone else's cluster, the plan
/// warns instead: `terraform destroy` plans the same way first, and must
/// still remove what the platform made; the create itself refuses again.
pub async fn check_name_free(
    aws: &Aws,
    diags: &mut Diagnostics,
    name: &str,
    replaced: Option<&str>,
) {
    let found = match find_cluster(aws, name).await {
        Ok(found) => found,
        Err(err) => return err.report(diags, "Cannot check that the platform name is free"),
    };
    let Some(cluster) = found else {
        return;
    };
    if replaced.is_some_and(|suffix| owns_cluster(&Owner::new(name, suffix), &cluster)) {
        return;
    }
    let summary = "Platform name taken";
    // The name tag says whether an emreks platform of that name made it
    // (e.g. an apply whose provider was killed before Terraform recorded
    // anything); it is not proof of ownership, so it only shapes the advice.
    let tagged = cluster
        .tags()
        .and_then(|tags| tags.get(naming::PLATFORM_TAG))
        .is_some_and(|value| value == name);
    let whose = if tagged {
        format!(
            "It carries the tag {} = {name}: an emreks platform of this name made it, perhaps an apply of yours that was cut short before Terraform could record it.",
            naming::PLATFORM_TAG
        )
    } else {
        "It does not carry the tag of an emreks platform of this name.".to_string()
    };
    let detail = format!(
        "An EKS cluster named \"{name}\" already exists in this account and region, and this platform did not make it, so the provider will not create, change or delete it. {whose} If it is an emreks_platform of yours (made by another state, or by a run that was cut short), import it: `terraform import <this resource's address> {name}`. Otherwise choose another name."
    );
    let path = AttributePath::new("name");
    if replaced.is_some() {
        diags.push(Diagnostic::warning_at(summary, detail, path));
    } else {
        diags.error(summary, detail, path);
    }
}
