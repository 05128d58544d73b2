//! At plan time, on a platform that exists: whether each job profile's
//! pods have a nodegroup to run on (see `platform::placement`), read from
//! EKS and EC2. Only warns: nodegroups made in the same apply come later.
//! On Auto Mode only the notebook profile is checked.

use crate::aws::ec2::instance_type;
use crate::aws::eks::nodegroup;
use crate::aws::Aws;
use crate::error::Result;
use crate::platform::compute::Compute;
use crate::platform::placement::{self, NodegroupFacts};
use crate::platform::pod_templates::JobProfile;
use crate::plugin::{AttributePath, Diagnostic, Diagnostics};
use crate::resources::nodegroup::{instance_shape, taints_of};

use super::schema::{profile_specs, PlatformState};
use crate::resources::values::known;

/// Warns of each profile whose driver or executors no nodegroup can run.
pub async fn check(aws: &Aws, diags: &mut Diagnostics, planned: &PlatformState) {
    let Some(cluster) = known(&planned.id) else {
        return;
    };
    // On Auto Mode the batch profiles run on node pools; only the
    // notebooks keep nodegroups.
    let auto_mode = Compute::parse(known(&planned.compute)) == Ok(Compute::AutoMode);
    let profiles: Vec<_> = profile_specs(planned)
        .into_iter()
        .filter(|spec| !auto_mode || spec.profile == JobProfile::Notebook)
        .map(|spec| (spec.profile, spec.settings))
        .collect();
    if profiles.is_empty() {
        return;
    }
    let groups = match nodegroups(aws, cluster).await {
        Ok(groups) => groups,
        Err(err) => {
            diags.root_warning(
                "Could not check where the jobs run",
                format!("{err}; the job profiles were not checked against the nodegroups."),
            );
            return;
        }
    };
    for (profile, why) in placement::unplaced(&profiles, &groups) {
        diags.push(Diagnostic::warning_at(
            format!("No nodegroup for the {} jobs", profile.key()),
            why,
            AttributePath::new("job_profile").key(profile.key().to_string()),
        ));
    }
}

/// The cluster's nodegroups with their labels, taints and instance types.
async fn nodegroups(aws: &Aws, cluster: &str) -> Result<Vec<NodegroupFacts>> {
    let mut groups = Vec::new();
    for name in nodegroup::list_nodegroups(aws, cluster).await? {
        let Some(group) = nodegroup::find_nodegroup_shared(aws, cluster, &name).await? else {
            continue;
        };
        let types: Vec<String> = group.instance_types().to_vec();
        let shapes = if types.is_empty() {
            Vec::new()
        } else {
            instance_type::describe_instance_types_shared(aws, &types)
                .await?
                .iter()
                .map(instance_shape)
                .collect()
        };
        groups.push(NodegroupFacts {
            name,
            labels: group
                .labels()
                .map(|labels| labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            taints: taints_of(&group),
            shapes,
        });
    }
    Ok(groups)
}
