//! What planning a nodegroup learns from AWS, fetched once per plan: its
//! platform (the zones it has subnets in, its saved job profiles) and the
//! instance types; the checks against them, and the sizing of the role's
//! Spark pods.

use std::collections::BTreeMap;

use super::plan;
use super::schema::NodegroupState;
use crate::aws::ec2::instance_type;
use crate::aws::Aws;
use crate::platform::compute::{self, Compute};
use crate::platform::nodegroup;
use crate::plugin::{AttributePath, Diagnostics};
use crate::resources::platform::lookup;
use crate::resources::platform::PlatformState;
use crate::resources::values::{known, list_is_unknown, strings};

/// What plan-time checks read from AWS, fetched once per plan.
pub struct PlanFacts {
    platform: lookup::Platform,
    /// The arguments the platform saved (its job profiles).
    saved: Option<PlatformState>,
    instance_types: Vec<aws_sdk_ec2::types::InstanceTypeInfo>,
}

/// `None` while the platform is unknown or does not exist yet (a platform
/// made in the same apply): its nodegroups are then checked at create.
pub async fn plan_facts(aws: &Aws, planned: &NodegroupState) -> Option<PlanFacts> {
    let platform_id = known(&planned.platform_id)?;
    let platform = lookup::platform(aws, platform_id).await.ok()?;
    let instance_types = if list_is_unknown(&planned.instance_types) {
        Vec::new()
    } else {
        instance_type::describe_instance_types_shared(aws, &strings(&planned.instance_types))
            .await
            .unwrap_or_default()
    };
    // Only the sized roles need the job profiles; a platform that saved
    // none sizes with the reference's.
    let sized = known(&planned.role)
        .and_then(nodegroup::sized_pod)
        .is_some();
    let saved = if sized {
        lookup::saved_arguments(aws, &platform, platform_id)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    Some(PlanFacts {
        platform,
        saved,
        instance_types,
    })
}

/// Plan-time checks against AWS: the zone, the instance types, the
/// architecture. Skipped while values are unknown.
pub async fn check_with_aws(
    aws: &Aws,
    diags: &mut Diagnostics,
    planned: &NodegroupState,
    facts: &PlanFacts,
) {
    let platform = &facts.platform;
    if platform.compute == Compute::AutoMode {
        // The Studio may come in the same apply: the create checks it.
        let refused = known(&planned.role)
            .map(|role| compute::nodegroup_on_auto_mode(role, None))
            .unwrap_or(Ok(()));
        if let Err(why) = refused {
            diags.error(
                "Platform runs EKS Auto Mode",
                why,
                AttributePath::new("role"),
            );
            return;
        }
    }
    let Some(zone) = known(&planned.availability_zone) else {
        return;
    };
    if !platform.subnets_by_zone.contains_key(zone) {
        diags.error(
            "Availability zone not in the platform",
            format!(
                "The platform has no private subnet in \"{zone}\"; choose one of: {}.",
                platform
                    .subnets_by_zone
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AttributePath::new("availability_zone"),
        );
        return;
    }
    if list_is_unknown(&planned.instance_types) {
        return;
    }
    let wanted = strings(&planned.instance_types);
    match instance_type::offered_in_zone_shared(aws, zone, &wanted).await {
        Ok(offered) => {
            for (index, name) in wanted.iter().enumerate() {
                if !offered.contains(name) {
                    diags.error(
                        "Instance type not offered",
                        format!("\"{name}\" is not offered in {zone}."),
                        AttributePath::new("instance_types").index(index as i64),
                    );
                }
            }
        }
        Err(err) => diags.root_warning("Could not check instance_types", err.to_string()),
    }
    if let Some(ami) = known(&planned.ami_type) {
        let arch = nodegroup::ami_arch(ami);
        for info in &facts.instance_types {
            let archs: Vec<&str> = info
                .processor_info()
                .map(|p| {
                    p.supported_architectures()
                        .iter()
                        .map(|a| a.as_str())
                        .collect()
                })
                .unwrap_or_default();
            if !archs.contains(&arch) {
                let name = info.instance_type().map(|t| t.as_str()).unwrap_or_default();
                let index = wanted.iter().position(|w| w == name).unwrap_or(0);
                diags.error(
                    "Instance type does not match the AMI",
                    format!("\"{name}\" is {} but ami_type \"{ami}\" is {arch}; pick instance types and an AMI type of one architecture.", archs.join("/")),
                    AttributePath::new("instance_types").index(index as i64),
                );
            }
        }
    }
}

/// Pods per node and utilization of each instance type for the role's Spark
/// pod (from the platform's job profile), with the warnings of
/// [`plan::fit`]. `None` when it cannot be told yet.
pub fn sizing(
    planned: &NodegroupState,
    facts: &PlanFacts,
    diags: &mut Diagnostics,
) -> Option<(BTreeMap<String, i64>, BTreeMap<String, f64>)> {
    let role = known(&planned.role)?;
    known(&planned.platform_id)?;
    if list_is_unknown(&planned.instance_types) {
        return None;
    }
    let Some((profile, spark_role)) = nodegroup::sized_pod(role) else {
        return Some((BTreeMap::new(), BTreeMap::new()));
    };
    let settings = lookup::job_profile(facts.saved.as_ref(), profile);
    plan::fit(
        planned,
        &facts.instance_types,
        (profile, spark_role),
        &settings,
        diags,
    )
}
