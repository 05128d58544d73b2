//! Checks of `emreks_platform`'s configuration at validate and plan time:
//! those that need no AWS call, on the values Terraform knows (unknown ones
//! wait for apply), and, once the provider is configured, whether the
//! availability zones exist in the region.

use std::collections::BTreeSet;

use super::schema::{
    default_profile_choice, notebook_cluster, profile_settings, profiles_left_out, PlatformState,
};
use crate::aws::ec2::availability_zone;
use crate::aws::Aws;
use crate::platform::compute::Compute;
use crate::platform::default_profiles::{self, NoChoice};
use crate::platform::iam_documents::Trust;
use crate::platform::job_profiles;
use crate::platform::network::plan_subnets;
use crate::platform::pod_templates::JobProfile;
use crate::platform::{
    defaults, endpoint, load_balancer_controller, naming, pod_templates, validate,
};
use crate::plugin::{AttributePath, Diagnostic, Diagnostics, Value};
use crate::resources::values::{known, list_is_unknown, string_map, strings};

/// Checks that need no AWS call; unknown values are checked at apply.
pub fn validate_config(diags: &mut Diagnostics, config: &PlatformState) {
    if let Some(name) = known(&config.name) {
        if let Err(why) = validate::platform_name(name) {
            diags.error("Invalid name", why, AttributePath::new("name"));
        }
    }
    if let Some(version) = known(&config.kubernetes_version) {
        // The pod templates and the load balancer controller each support
        // a range of Kubernetes versions.
        let checked = validate::kubernetes_version(version).and_then(|version| {
            pod_templates::check_kubernetes_version(version)?;
            load_balancer_controller::unsupported(version).map_or(Ok(()), Err)
        });
        if let Err(why) = checked {
            diags.error(
                "Invalid kubernetes_version",
                why,
                AttributePath::new("kubernetes_version"),
            );
        }
    }

    if let Some(arn) = known(&config.eks_admin_role_arn) {
        if let Err(why) = validate::iam_role_arn(arn) {
            diags.error(
                "Invalid eks_admin_role_arn",
                why,
                AttributePath::new("eks_admin_role_arn"),
            );
        }
    }

    let own_vpc = !config.vpc_cidr.is_null() || !config.availability_zones.is_null();
    let given_subnets = !config.subnet_ids.is_null();
    // A module passing its variables through is unknown in `terraform
    // validate`; the choice is checked again once the values are known.
    let network_unknown = config.vpc_cidr.is_unknown()
        || config.availability_zones.is_unknown()
        || config.subnet_ids.is_unknown();
    if network_unknown {
    } else if own_vpc && given_subnets {
        diags.error(
            "Conflicting network arguments",
            "Set either `vpc_cidr` and `availability_zones` (the platform creates its VPC) or `subnet_ids` (the platform uses your subnets), not both.",
            AttributePath::new("subnet_ids"),
        );
    } else if !own_vpc && !given_subnets {
        diags.error(
            "Missing network arguments",
            "Set `vpc_cidr` and `availability_zones` to let the platform create its VPC, or `subnet_ids` to use existing private subnets.",
            AttributePath::new("vpc_cidr"),
        );
    } else if own_vpc {
        if config.vpc_cidr.is_null() {
            diags.error(
                "Missing vpc_cidr",
                "`availability_zones` needs `vpc_cidr`, the CIDR block of the VPC to create, e.g. \"10.0.0.0/16\".",
                AttributePath::new("vpc_cidr"),
            );
        }
        if config.availability_zones.is_null() {
            diags.error(
                "Missing availability_zones",
                "`vpc_cidr` needs `availability_zones`, the zones to spread the VPC over, e.g. [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"].",
                AttributePath::new("availability_zones"),
            );
        }
    }

    let vpc = known(&config.vpc_cidr).and_then(|cidr| match validate::vpc_cidr(cidr) {
        Ok(net) => Some(net),
        Err(why) => {
            diags.error("Invalid vpc_cidr", why, AttributePath::new("vpc_cidr"));
            None
        }
    });
    if config.availability_zones.is_value() && !list_is_unknown(&config.availability_zones) {
        let zones = strings(&config.availability_zones);
        let mut seen = std::collections::BTreeSet::new();
        for (index, zone) in zones.iter().enumerate() {
            if !seen.insert(zone) {
                diags.error(
                    "Duplicate availability zone",
                    format!("\"{zone}\" is listed twice; list each zone once."),
                    AttributePath::new("availability_zones").index(index as i64),
                );
            }
        }
        if zones.len() < 2 {
            diags.error(
                "Too few availability zones",
                "EKS needs subnets in at least two availability zones; list two or more.",
                AttributePath::new("availability_zones"),
            );
        }
        if let Some(vpc) = vpc {
            if let Err(why) = plan_subnets(vpc, &zones) {
                diags.error("vpc_cidr too small", why, AttributePath::new("vpc_cidr"));
            }
        }
    }
    if config.subnet_ids.is_value() && !list_is_unknown(&config.subnet_ids) {
        let subnets = strings(&config.subnet_ids);
        if subnets.len() < 2 {
            diags.error(
                "Too few subnets",
                "EKS needs subnets in at least two availability zones; pass one private subnet per zone.",
                AttributePath::new("subnet_ids"),
            );
        }
    }
    for (index, cidr) in strings(&config.endpoint_public_access_cidrs)
        .iter()
        .enumerate()
    {
        if let Err(why) = validate::ipv4_cidr(cidr) {
            diags.error(
                "Invalid endpoint_public_access_cidrs",
                why,
                AttributePath::new("endpoint_public_access_cidrs").index(index as i64),
            );
        }
    }
    if let Value::Value(list) = &config.endpoint_public_access_cidrs {
        // A private-only endpoint is what breaks the first apply from a
        // laptop or CI runner: it must be a statement, not an accident.
        let in_vpc = &config.terraform_in_vpc;
        if list.is_empty() && !in_vpc.is_unknown() && in_vpc.as_ref_option() != Some(&true) {
            diags.error(
                "Private-only endpoint Terraform may not reach",
                endpoint::PRIVATE_ONLY,
                AttributePath::new("endpoint_public_access_cidrs"),
            );
        }
    }
    for key in string_map(&config.tags).keys() {
        if let Err(why) = validate::user_tag_key(key) {
            diags.error(
                "Invalid tag",
                format!("{why}."),
                AttributePath::new("tags").key(key.clone()),
            );
        }
    }
    if let Value::Value(t) = &config.timeouts {
        t.validate(diags);
    }
    validate_layer(diags, config);
}

/// Checks of the EMR-on-EKS arguments.
fn validate_layer(diags: &mut Diagnostics, config: &PlatformState) {
    // The notebooks' endpoints run a gateway pod that the kernels' pod
    // templates do not place: it may land on the tooling nodes, and EMR on
    // EKS interactive endpoints do not support ARM Amazon Linux AMIs.
    let tooling_ami = config
        .tooling
        .as_ref_option()
        .and_then(|t| known(&t.ami_type));
    if let (Some(ami), true) = (tooling_ami, config.studio.is_value()) {
        if ami.contains("ARM") {
            diags.push(Diagnostic::warning_at(
                "ARM tooling nodes with a Studio",
                format!("EMR on EKS interactive endpoints do not support ARM AMIs, and an endpoint's gateway pod may be scheduled on the tooling nodes (\"{ami}\"): use an x86 ami_type for the tooling nodegroup, or keep the notebooks' endpoints off it."),
                AttributePath::new("tooling").index(0).attribute("ami_type"),
            ));
        }
    }
    if let Some(label) = known(&config.release_label) {
        if let Err(why) = validate::release_label(label) {
            diags.error(
                "Invalid release_label",
                why,
                AttributePath::new("release_label"),
            );
        }
    }
    if let Value::Value(days) = config.log_retention_days {
        if let Err(why) = validate::check_retention(days) {
            diags.error(
                "Invalid log_retention_days",
                why,
                AttributePath::new("log_retention_days"),
            );
        }
    }
    validate_tooling(diags, config);
    let namespaces = validate_virtual_clusters(diags, config);
    validate_execution_roles(diags, config, &namespaces);
    validate_job_profiles(diags, config);
    validate_studio(diags, config);
    validate_compute(diags, config);
}

/// `compute`'s value, and what EKS Auto Mode leaves no room for: the
/// tooling nodegroup (Auto Mode's `system` pool runs the system pods). A
/// Studio is welcome: its notebooks run on managed nodegroups (the plan
/// says so).
fn validate_compute(diags: &mut Diagnostics, config: &PlatformState) {
    let compute = match &config.compute {
        Value::Unknown => return,
        value => Compute::parse(known(value)),
    };
    match compute {
        Err(why) => diags.error("Invalid compute", why, AttributePath::new("compute")),
        Ok(Compute::AutoMode) if config.tooling.is_value() => diags.error(
            "tooling has no place with Auto Mode",
            "With compute = \"auto_mode\" the platform runs no tooling nodegroup: EKS Auto Mode's built-in `system` node pool runs the system pods. Remove the tooling block, or set compute = \"managed_nodegroups\".",
            AttributePath::new("tooling"),
        ),
        Ok(_) => {}
    }
}

fn validate_tooling(diags: &mut Diagnostics, config: &PlatformState) {
    let Value::Value(tooling) = &config.tooling else {
        return;
    };
    let path = || AttributePath::new("tooling");
    if let Some(ami) = known(&tooling.ami_type) {
        if !defaults::AMI_TYPES.contains(&ami) {
            diags.error(
                "Invalid tooling ami_type",
                format!(
                    "\"{ami}\" is not supported; use one of {}.",
                    defaults::AMI_TYPES.join(", ")
                ),
                path().attribute("ami_type"),
            );
        }
    }
    if let Value::Value(list) = &tooling.instance_types {
        if list.is_empty() {
            diags.error(
                "Invalid tooling instance_types",
                "List at least one instance type.",
                path().attribute("instance_types"),
            );
        }
    }
    for (attribute, value) in [
        ("min_size", &tooling.min_size),
        ("max_size", &tooling.max_size),
        ("desired_size", &tooling.desired_size),
    ] {
        if let Some(n) = value.as_ref_option() {
            if i32::try_from(*n).is_err() {
                diags.error(
                    "Invalid tooling size",
                    format!("{attribute} is {n}, more than EKS takes; use a node count such as 2."),
                    path().attribute(attribute),
                );
            }
        }
    }
    let (min, max, desired) = (
        tooling.min_size.as_ref_option(),
        tooling.max_size.as_ref_option(),
        tooling.desired_size.as_ref_option(),
    );
    if let (Some(min), Some(max)) = (min, max) {
        if min > max || *min < 0 || *max < 1 {
            diags.error(
                "Invalid tooling sizes",
                format!("min_size ({min}) must be at least 0 and at most max_size ({max}), and max_size at least 1."),
                path().attribute("min_size"),
            );
        }
        if let Some(desired) = desired {
            if desired < min || desired > max {
                diags.error(
                    "Invalid tooling desired_size",
                    format!("desired_size ({desired}) must be between min_size ({min}) and max_size ({max})."),
                    path().attribute("desired_size"),
                );
            }
        }
    }
}

/// Returns the namespaces of the virtual clusters.
fn validate_virtual_clusters(diags: &mut Diagnostics, config: &PlatformState) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let Value::Value(clusters) = &config.virtual_clusters else {
        return seen;
    };
    for (key, cluster) in clusters {
        let Value::Value(cluster) = cluster else {
            continue;
        };
        let path = AttributePath::new("virtual_clusters")
            .key(key.clone())
            .attribute("namespace");
        if let Err(why) =
            validate::namespace(key).map_err(|why| why.replace("namespace", "virtual cluster name"))
        {
            diags.error(
                "Invalid virtual cluster name",
                why,
                AttributePath::new("virtual_clusters").key(key.clone()),
            );
        }
        let Some(namespace) = known(&cluster.namespace) else {
            continue;
        };
        if let Err(why) = validate::namespace(namespace) {
            diags.error("Invalid namespace", why, path.clone());
        }
        if !seen.insert(namespace.to_string()) {
            diags.error(
                "Duplicate namespace",
                format!("Namespace \"{namespace}\" is used by two virtual clusters; EMR allows one virtual cluster per namespace."),
                path,
            );
        }
    }
    seen
}

fn validate_execution_roles(
    diags: &mut Diagnostics,
    config: &PlatformState,
    namespaces: &BTreeSet<String>,
) {
    let Value::Value(roles) = &config.execution_roles else {
        return;
    };
    let clusters_known = !config.virtual_clusters.is_unknown();
    // Keys whose role names would be one: the same suffix ends them all,
    // so the key part alone tells.
    let mut role_names = std::collections::BTreeMap::new();
    for key in roles.keys() {
        let path = || AttributePath::new("execution_roles").key(key.clone());
        if let Err(why) = validate::execution_role_key(key) {
            diags.error("Invalid execution role key", why, path());
            continue;
        }
        let name = naming::execution_role("", key, "");
        if let Some(other) = role_names.insert(name, key) {
            diags.error(
                "Execution role keys too alike",
                format!("\"{key}\" and \"{other}\" would name the same IAM role; make them differ in their first 15 characters."),
                path(),
            );
        }
    }
    for (key, role) in roles {
        let Value::Value(role) = role else { continue };
        let path = || AttributePath::new("execution_roles").key(key.clone());
        if let Value::Value(list) = &role.namespaces {
            if list.is_empty() {
                diags.error(
                    "Invalid execution role",
                    "List at least one namespace whose jobs may use the role.",
                    path().attribute("namespaces"),
                );
            }
        }
        for (index, namespace) in strings(&role.namespaces).iter().enumerate() {
            if clusters_known && !namespaces.contains(namespace) {
                diags.error(
                    "Unknown namespace",
                    format!(
                        "\"{namespace}\" is not the namespace of any of `virtual_clusters` ({}).",
                        namespaces.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    path().attribute("namespaces").index(index as i64),
                );
            }
        }
        if let Some(policy) = known(&role.policy) {
            if let Err(why) = validate::policy_document(policy) {
                diags.error("Invalid policy", why, path().attribute("policy"));
            }
        }
        if let Some(trust) = known(&role.trust) {
            if let Err(why) = Trust::parse(Some(trust)) {
                diags.error("Invalid trust", why, path().attribute("trust"));
            }
        }
    }
}

fn key_exists<T>(map: &Value<std::collections::BTreeMap<String, T>>, key: &str) -> bool {
    match map {
        Value::Value(map) => map.contains_key(key),
        Value::Unknown => true,
        Value::Null => false,
    }
}

/// Whether every virtual cluster, execution role and the Studio are known,
/// so the platform's own choice of profiles can be told.
fn layout_known(config: &PlatformState) -> bool {
    let deep = |unknown: bool, any: bool| !unknown && !any;
    let clusters = deep(
        config.virtual_clusters.is_unknown(),
        config.virtual_clusters.iter().flatten().any(|(_, vc)| {
            vc.is_unknown()
                || vc
                    .as_ref_option()
                    .is_some_and(|vc| vc.namespace.is_unknown())
        }),
    );
    let roles = deep(
        config.execution_roles.is_unknown(),
        config.execution_roles.iter().flatten().any(|(_, role)| {
            role.is_unknown()
                || role
                    .as_ref_option()
                    .is_some_and(|r| list_is_unknown(&r.namespaces))
        }),
    );
    let studio = !config.studio.is_unknown()
        && !config
            .studio
            .as_ref_option()
            .is_some_and(|s| s.virtual_cluster.is_unknown());
    clusters && roles && studio
}

/// Without job_profile blocks: what the platform chose (a warning, so the
/// plan says it), or which argument to set when it could not choose.
fn report_default_profiles(diags: &mut Diagnostics, config: &PlatformState) {
    if !profiles_left_out(config) || !layout_known(config) {
        return;
    }
    let (chosen, problems) = default_profile_choice(config);
    let mut ambiguous = false;
    for problem in &problems {
        let profile = problem.profile().key();
        // Point at the argument holding the candidates: the profile's
        // block is not in the configuration.
        match problem {
            NoChoice::Ambiguous { argument, .. } => {
                ambiguous = true;
                diags.error(
                    format!("Choose the {profile} job profile's {argument}"),
                    problem.message(),
                    AttributePath::new(format!("{argument}s")),
                );
            }
            NoChoice::NoRole { .. } => diags.push(Diagnostic::warning_at(
                format!("No request for the {profile} job profile"),
                problem.message(),
                AttributePath::new("execution_roles"),
            )),
        }
    }
    if !chosen.is_empty() && !ambiguous {
        diags.root_warning(
            "Job profiles chosen by the platform",
            default_profiles::describe(&chosen),
        );
    }
}

fn validate_job_profiles(diags: &mut Diagnostics, config: &PlatformState) {
    report_default_profiles(diags, config);
    let Value::Value(profiles) = &config.job_profiles else {
        return;
    };
    for (key, profile) in profiles {
        let path = || AttributePath::new("job_profile").key(key.clone());
        let Some(kind) = JobProfile::from_key(key) else {
            diags.error(
                "Unknown job profile",
                format!("\"{key}\" is not a job profile; use \"critical\", \"non_critical\" or \"notebook\"."),
                path(),
            );
            continue;
        };
        let Value::Value(profile) = profile else {
            continue;
        };
        if let Some(cluster) = known(&profile.virtual_cluster) {
            if !key_exists(&config.virtual_clusters, cluster) {
                diags.error(
                    "Unknown virtual cluster",
                    format!("\"{cluster}\" is not a key of `virtual_clusters`."),
                    path().attribute("virtual_cluster"),
                );
            }
        }
        if let Some(role) = known(&profile.execution_role) {
            if !key_exists(&config.execution_roles, role) {
                diags.error(
                    "Unknown execution role",
                    format!("\"{role}\" is not a key of `execution_roles`."),
                    path().attribute("execution_role"),
                );
            }
        }
        for (property, value) in string_map(&profile.spark_properties) {
            if let Err(why) = job_profiles::check_spark_property(&property, &value) {
                diags.error(
                    "Invalid spark_properties",
                    why,
                    path().attribute("spark_properties").key(property),
                );
            }
        }
        let mut counts_fit = true;
        for (attribute, value) in [
            ("min_executors", &profile.min_executors),
            ("max_executors", &profile.max_executors),
            ("allocation_batch_size", &profile.allocation_batch_size),
        ] {
            if let Some(n) = value.as_ref_option() {
                if u32::try_from(*n).is_err() {
                    counts_fit = false;
                    diags.error(
                        "Invalid job profile",
                        format!("{attribute} is {n}; use a count from 0 to {}.", u32::MAX),
                        path().attribute(attribute),
                    );
                }
            }
        }
        if !counts_fit {
            continue;
        }
        let settings = profile_settings(profile, kind);
        if let Err(why) = settings.validate() {
            let attribute = why
                .split(':')
                .next()
                .filter(|a| !a.contains(' '))
                .unwrap_or("max_executors")
                .to_string();
            diags.error("Invalid job profile", why, path().attribute(attribute));
        }
    }
}

fn validate_studio(diags: &mut Diagnostics, config: &PlatformState) {
    let Value::Value(studio) = &config.studio else {
        return;
    };
    let path = || AttributePath::new("studio").index(0);
    match known(&studio.auth_mode) {
        Some("SSO") if studio.idc_instance_arn.is_null() => diags.error(
            "Missing idc_instance_arn",
            "Studio auth_mode \"SSO\" signs users in through IAM Identity Center: set `idc_instance_arn` to the Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...).",
            path().attribute("idc_instance_arn"),
        ),
        // EMR refuses an Identity Center instance on an IAM Studio, and
        // only after the roles, groups and bucket were made: say it now.
        Some("IAM") if !studio.idc_instance_arn.is_null() => diags.error(
            "idc_instance_arn with auth_mode \"IAM\"",
            "`idc_instance_arn` is for `auth_mode = \"SSO\"` (IAM Identity Center) only: remove `idc_instance_arn`, or set `auth_mode = \"SSO\"`.",
            path().attribute("idc_instance_arn"),
        ),
        Some("IAM") | Some("SSO") | None => {}
        Some(other) => diags.error(
            "Invalid auth_mode",
            format!("\"{other}\" is not a Studio auth mode; use \"IAM\" or \"SSO\"."),
            path().attribute("auth_mode"),
        ),
    }
    if let Some(cluster) = known(&studio.virtual_cluster) {
        if !key_exists(&config.virtual_clusters, cluster) {
            diags.error(
                "Unknown virtual cluster",
                format!("\"{cluster}\" is not a key of `virtual_clusters`."),
                path().attribute("virtual_cluster"),
            );
        }
    } else if studio.virtual_cluster.is_null() && layout_known(config) {
        if let Err(why) = notebook_cluster(config) {
            diags.error(
                "Missing studio virtual_cluster",
                why,
                path().attribute("virtual_cluster"),
            );
        }
    }
    if let Some(name) = known(&studio.name) {
        let valid = !name.is_empty()
            && name.len() <= 256
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
        if !valid {
            diags.error(
                "Invalid studio name",
                format!("\"{name}\" must be 1 to 256 letters, digits, '-' or '_'."),
                path().attribute("name"),
            );
        }
    }
}
/// At plan time, when the provider is configured: are the zones in the region?
pub async fn check_zones(aws: &Aws, diags: &mut Diagnostics, config: &PlatformState) {
    if list_is_unknown(&config.availability_zones) {
        return;
    }
    let wanted = strings(&config.availability_zones);
    if wanted.is_empty() {
        return;
    }
    match availability_zone::region_zones(aws).await {
        Ok(zones) => {
            for (index, zone) in wanted.iter().enumerate() {
                if !zones.contains(zone) {
                    diags.error(
                        "Unknown availability zone",
                        format!(
                            "\"{zone}\" is not an availability zone of {}; choose from: {}.",
                            aws.region,
                            zones.join(", ")
                        ),
                        AttributePath::new("availability_zones").index(index as i64),
                    );
                }
            }
        }
        Err(err) => diags.root_warning(
            "Could not check availability_zones",
            format!("{err}; they will be checked when the VPC is created."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::values::{to_list, to_map};
    use std::collections::BTreeMap;

    fn base() -> PlatformState {
        PlatformState {
            name: Value::Value("analytics".into()),
            vpc_cidr: Value::Value("10.0.0.0/16".into()),
            availability_zones: to_list(["eu-west-1a".to_string(), "eu-west-1b".to_string()]),
            ..Default::default()
        }
    }

    fn error_paths(config: &PlatformState) -> String {
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, config);
        format!("{:?}", diags.errors().collect::<Vec<_>>())
    }

    #[test]
    fn a_valid_config_passes() {
        assert_eq!(error_paths(&base()), "[]");
    }

    #[test]
    fn auto_mode_takes_a_studio_but_no_tooling() {
        let mut auto = base();
        auto.compute = Value::Value("auto_mode".into());
        assert_eq!(error_paths(&auto), "[]");
        let mut studio = auto.clone();
        studio.virtual_clusters = Value::Value(BTreeMap::from([(
            "notebooks".to_string(),
            Value::Value(super::super::schema::VirtualClusterState {
                namespace: Value::Value("notebooks".to_string()),
            }),
        )]));
        studio.studio = Value::Value(Default::default());
        assert_eq!(error_paths(&studio), "[]");
        auto.tooling = Value::Value(Default::default());
        assert!(error_paths(&auto).contains("tooling"));

        let mut wrong = base();
        wrong.compute = Value::Value("karpenter".into());
        assert!(error_paths(&wrong).contains("compute"));
    }

    #[test]
    fn network_arguments_are_exclusive_and_complete() {
        let mut both = base();
        both.subnet_ids = to_list(["subnet-1".to_string(), "subnet-2".to_string()]);
        assert!(error_paths(&both).contains("subnet_ids"));

        let mut neither = base();
        neither.vpc_cidr = Value::Null;
        neither.availability_zones = Value::Null;
        assert!(error_paths(&neither).contains("vpc_cidr"));

        let mut no_zones = base();
        no_zones.availability_zones = Value::Null;
        assert!(error_paths(&no_zones).contains("availability_zones"));

        // A module's variables in `terraform validate`: checked later.
        let mut unknown = base();
        unknown.vpc_cidr = Value::Unknown;
        unknown.availability_zones = Value::Unknown;
        unknown.subnet_ids = Value::Unknown;
        assert_eq!(error_paths(&unknown), "[]");
    }

    #[test]
    fn bad_values_name_their_attribute() {
        let mut config = base();
        config.vpc_cidr = Value::Value("10.0.0.0/33".into());
        config.kubernetes_version = Value::Value("latest".into());
        config.eks_admin_role_arn = Value::Value("admin".into());
        config.endpoint_public_access_cidrs = to_list(["1.2.3.4/40".to_string()]);
        let found = error_paths(&config);
        for attribute in [
            "vpc_cidr",
            "kubernetes_version",
            "eks_admin_role_arn",
            "endpoint_public_access_cidrs",
        ] {
            assert!(
                found.contains(attribute),
                "no error on {attribute}: {found}"
            );
        }
    }

    #[test]
    fn a_kubernetes_version_past_the_load_balancer_controllers_is_refused() {
        let (major, minor) = load_balancer_controller::MAX_KUBERNETES;
        let mut config = base();
        config.kubernetes_version = Value::Value(format!("{major}.{}", minor + 1));
        let found = error_paths(&config);
        assert!(found.contains("kubernetes_version"), "{found}");
        config.kubernetes_version = Value::Value(format!("{major}.{minor}"));
        assert!(!error_paths(&config).contains("kubernetes_version"));
    }

    #[test]
    fn a_private_only_endpoint_needs_terraform_in_the_vpc() {
        let mut config = base();
        config.endpoint_public_access_cidrs = to_list(Vec::<String>::new());
        assert!(error_paths(&config).contains("endpoint_public_access_cidrs"));
        config.terraform_in_vpc = Value::Value(false);
        assert!(error_paths(&config).contains("endpoint_public_access_cidrs"));
        config.terraform_in_vpc = Value::Value(true);
        assert!(!error_paths(&config).contains("endpoint_public_access_cidrs"));
    }

    #[test]
    fn duplicate_zones_are_refused() {
        let mut config = base();
        config.availability_zones = to_list(["eu-west-1a".to_string(), "eu-west-1a".to_string()]);
        assert!(error_paths(&config).contains("Duplicate availability zone"));
    }

    #[test]
    fn unknown_values_wait_for_apply() {
        let mut config = base();
        config.availability_zones = Value::Unknown;
        config.eks_admin_role_arn = Value::Unknown;
        assert_eq!(error_paths(&config), "[]");
    }

    #[test]
    fn without_job_profiles_an_unclear_choice_points_at_the_candidates() {
        use crate::resources::platform::schema::{ExecutionRoleState, VirtualClusterState};
        let mut config = base();
        let cluster = |ns: &str| {
            (
                ns.to_string(),
                Value::Value(VirtualClusterState {
                    namespace: Value::Value(ns.to_string()),
                }),
            )
        };
        config.virtual_clusters =
            Value::Value(BTreeMap::from([cluster("batchjob"), cluster("adhoc")]));
        config.execution_roles = Value::Value(BTreeMap::from([(
            "jobs".to_string(),
            Value::Value(ExecutionRoleState {
                namespaces: to_list(["batchjob".to_string(), "adhoc".to_string()]),
                ..Default::default()
            }),
        )]));
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, &config);
        let errors: Vec<String> = diags.errors().map(|d| format!("{d:?}")).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("virtual_clusters"), "{errors:?}");
        assert!(
            errors[0].contains("set its `virtual_cluster`"),
            "{errors:?}"
        );

        // One batch cluster: a warning saying what was chosen, no error.
        config.virtual_clusters = Value::Value(BTreeMap::from([cluster("batchjob")]));
        config.execution_roles = Value::Value(BTreeMap::from([(
            "jobs".to_string(),
            Value::Value(ExecutionRoleState {
                namespaces: to_list(["batchjob".to_string()]),
                ..Default::default()
            }),
        )]));
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, &config);
        assert_eq!(diags.errors().count(), 0);
        assert!(format!("{diags:?}").contains("Job profiles chosen by the platform"));
    }

    #[test]
    fn reserved_tags_are_refused() {
        for key in ["emreks:platform", "emreks:owner", "aws:team"] {
            let mut config = base();
            config.tags = to_map(&BTreeMap::from([(key.to_string(), "x".to_string())]));
            assert!(error_paths(&config).contains("tags"), "{key}");
        }
    }

    fn with_execution_roles(keys: &[&str]) -> PlatformState {
        let mut config = base();
        config.virtual_clusters = Value::Value(BTreeMap::from([(
            "batch".to_string(),
            Value::Value(super::super::schema::VirtualClusterState {
                namespace: Value::Value("batch".into()),
            }),
        )]));
        config.execution_roles = Value::Value(
            keys.iter()
                .map(|key| {
                    let role = super::super::schema::ExecutionRoleState {
                        namespaces: to_list(["batch".to_string()]),
                        ..Default::default()
                    };
                    (key.to_string(), Value::Value(role))
                })
                .collect(),
        );
        config
    }

    #[test]
    fn execution_role_keys_are_checked_where_they_stand() {
        assert_eq!(error_paths(&with_execution_roles(&["jobs"])), "[]");
        for bad in [
            "Data Eng (EU)",
            "eks-cluster",
            "studio-user",
            &"k".repeat(64),
        ] {
            let found = error_paths(&with_execution_roles(&["jobs", bad]));
            assert!(
                found.contains("Invalid execution role key"),
                "{bad}: {found}"
            );
            assert!(found.contains(&format!("{bad:?}")), "{bad}: {found}");
        }
        // Cut to fit IAM, yet still two roles.
        let shared = "data-engineering-batch";
        let alike = [format!("{shared}-eu"), format!("{shared}-us")];
        let found = error_paths(&with_execution_roles(&[&alike[0], &alike[1]]));
        assert!(!found.contains("Invalid execution role key"), "{found}");
    }

    #[test]
    fn sizes_beyond_what_aws_takes_are_refused_not_wrapped() {
        let mut config = base();
        config.tooling = Value::Value(super::super::schema::ToolingState {
            max_size: Value::Value(i64::from(i32::MAX) + 1),
            ..Default::default()
        });
        let found = error_paths(&config);
        assert!(found.contains("max_size"), "{found}");

        let mut config = with_execution_roles(&["jobs"]);
        config.job_profiles = Value::Value(BTreeMap::from([(
            "critical".to_string(),
            Value::Value(super::super::schema::JobProfileState {
                virtual_cluster: Value::Value("batch".into()),
                execution_role: Value::Value("jobs".into()),
                min_executors: Value::Value(-1),
                max_executors: Value::Value(i64::from(u32::MAX) + 1),
                ..Default::default()
            }),
        )]));
        let found = error_paths(&config);
        assert!(found.contains("min_executors"), "{found}");
        assert!(found.contains("max_executors"), "{found}");
    }
}
