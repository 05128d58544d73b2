//! The plan-time half of "own only what the platform made": a new platform
//! may not take the name of an EKS cluster it did not make, since every
//! later step (and destroy) would act on that cluster.

use super::apply::{name_taken_detail, owns_cluster};
use crate::aws::eks::cluster::find_cluster;
use crate::aws::Aws;
use crate::platform::naming::Owner;
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
    let detail = name_taken_detail(name, &cluster);
    let path = AttributePath::new("name");
    if replaced.is_some() {
        diags.push(Diagnostic::warning_at(summary, detail, path));
    } else {
        diags.error(summary, detail, path);
    }
}
