//! Planning `emreks_platform`, as pure code: the configuration's defaults
//! filled in, what is known before apply and what is not, the arguments
//! whose change replaces the platform, and a state fit to save after a
//! step failed.

use std::collections::BTreeMap;

use super::private::PlatformPrivate;
use super::schema::{JobProfileState, PlatformState, FORCES_REPLACEMENT};
use crate::platform::addons::REQUIRED_ADDONS;
use crate::platform::compute::{self, Compute, NodeStack};
use crate::platform::defaults::{self, Tooling};
use crate::platform::job_profiles::{ProfileSettings, DEFAULT_ENTRY_POINT};
use crate::platform::pod_templates::JobProfile;
use crate::platform::{endpoint, jobs, naming, validate};
use crate::plugin::{AttributePath, Diagnostic, Diagnostics, Value};
use crate::resources::random_token;
use crate::resources::values::{
    known, list_is_unknown, map_is_unknown, string_map, strings, to_list, to_map, unknown_as_null,
    Decimal, StringMap,
};

/// The planned state of a new platform, and its private state: the
/// suffix and token its names and requests will carry.
pub fn plan_create(
    diags: &mut Diagnostics,
    proposed: PlatformState,
    default_tags: &BTreeMap<String, String>,
    region: Option<&str>,
) -> (PlatformState, PlatformPrivate) {
    let mut planned = proposed;
    plan_endpoint_access(diags, None, &mut planned);
    planned.id = planned.name.clone();
    planned.cluster_name = planned.name.clone();
    if planned.kubernetes_version.is_null() {
        planned.kubernetes_version = Value::Unknown;
    }
    planned.tags_all = tags_all(&planned, default_tags);
    for value in [
        &mut planned.arn,
        &mut planned.cluster_arn,
        &mut planned.cluster_endpoint,
        &mut planned.cluster_certificate_authority_data,
        &mut planned.cluster_role_arn,
        &mut planned.cluster_security_group_id,
        &mut planned.oidc_issuer_url,
        &mut planned.vpc_id,
    ] {
        *value = Value::Unknown;
    }
    planned.subnet_ids_by_az = Value::Unknown;
    fill_defaults(&mut planned);
    for value in [
        &mut planned.node_role_arn,
        &mut planned.oidc_provider_arn,
        &mut planned.assets_bucket,
        &mut planned.tooling_nodegroup_name,
    ] {
        *value = Value::Unknown;
    }
    for map in [
        &mut planned.addon_versions,
        &mut planned.pod_template_uris,
        &mut planned.virtual_cluster_ids,
        &mut planned.execution_role_arns,
        &mut planned.job_run_requests,
    ] {
        *map = Value::Unknown;
    }
    planned.job_run_request_objects = Value::Unknown;
    planned.kubeconfig_command = kubeconfig_command(&planned, region);
    planned.log_group_names = log_groups(&planned);
    plan_studio(&mut planned, None);
    plan_compute(None, &mut planned);
    warn_auto_mode_notebooks(diags, None, &planned);
    let private = PlatformPrivate {
        client_token: Some(random_token(32)),
        suffix: Some(random_token(8)),
        ..Default::default()
    };
    (planned, private)
}

/// The planned state of a change, and the attributes that replace the
/// platform when they change.
pub fn plan_update(
    diags: &mut Diagnostics,
    prior: &PlatformState,
    proposed: PlatformState,
    config: &PlatformState,
    default_tags: &BTreeMap<String, String>,
    region: Option<&str>,
) -> (PlatformState, Vec<AttributePath>) {
    let mut planned = proposed;
    planned.tags_all = tags_all(&planned, default_tags);
    planned.kubeconfig_command = kubeconfig_command(&planned, region);
    if planned.arn.is_null() {
        planned.arn = planned.cluster_arn.clone();
    }
    let mut replace: Vec<AttributePath> = FORCES_REPLACEMENT
        .iter()
        .map(|name| AttributePath::new(*name))
        .collect();
    if prior.id.is_null() {
        // Read found the cluster gone: a new platform replaces what is left.
        planned.id = planned.name.clone();
        replace.push(AttributePath::new("id"));
    }
    if let (Some(old), Some(new)) = (
        known(&prior.kubernetes_version),
        known(&config.kubernetes_version),
    ) {
        if let (Ok(old), Ok(new)) = (
            validate::kubernetes_version(old),
            validate::kubernetes_version(new),
        ) {
            if new < old {
                diags.push(Diagnostic::warning_at(
                    "Kubernetes downgrade replaces the platform",
                    "EKS cannot downgrade a cluster in place, so lowering kubernetes_version creates a new platform.",
                    AttributePath::new("kubernetes_version"),
                ));
                replace.push(AttributePath::new("kubernetes_version"));
            }
            if new > old {
                diags.push(Diagnostic::warning_at(
                    "Spark nodegroups follow the Kubernetes upgrade on their own update",
                    format!(
                        "Raising kubernetes_version to {}.{} upgrades the control plane, the add-ons (to EKS's default versions for it) and the tooling nodegroup. The Spark nodegroups (emreks_nodegroup) keep their Kubernetes version until each is updated (`aws eks update-nodegroup-version`, or replaced); EKS's upgrade readiness checks hold back the next minor upgrade while nodes lag behind the control plane.",
                        new.0, new.1
                    ),
                    AttributePath::new("kubernetes_version"),
                ));
            }
        }
    }
    plan_endpoint_access(diags, Some(prior), &mut planned);
    // Left out means the default, not what a refresh found running.
    if config.compute.is_null() {
        planned.compute = Value::Value(Compute::default().as_str().to_string());
    }
    warn_studio_replacement(diags, prior, config);
    fill_defaults(&mut planned);
    plan_layer(prior, &mut planned);
    warn_compute_switch(diags, prior, &planned);
    plan_compute(Some(prior), &mut planned);
    warn_auto_mode_notebooks(diags, Some(prior), &planned);
    (planned, replace)
}

/// The compute a state records; an earlier release's has none: managed nodegroups.
fn compute_of(state: &PlatformState) -> Option<Compute> {
    match &state.compute {
        Value::Unknown => None,
        value => Compute::parse(known(value)).ok(),
    }
}

/// What a state's platform runs for managed nodes; `None` while its
/// compute or Studio is unknown.
fn node_stack_of(state: &PlatformState) -> Option<NodeStack> {
    if state.studio.is_unknown() {
        return None;
    }
    compute_of(state).map(|compute| compute.node_stack(state.studio.is_value()))
}

/// Interactive endpoints run on managed nodegroups only: an Auto Mode
/// platform with a Studio says so when the plan makes it one (at create,
/// on adding the Studio or switching compute), not on every plan after;
/// and what its notebook nodegroups lose when the Studio goes.
fn warn_auto_mode_notebooks(
    diags: &mut Diagnostics,
    prior: Option<&PlatformState>,
    planned: &PlatformState,
) {
    let notebooks = |state: &PlatformState| node_stack_of(state) == Some(NodeStack::Notebooks);
    if notebooks(planned) && !prior.is_some_and(notebooks) {
        diags.push(Diagnostic::warning_at(
            "Notebooks run on managed nodegroups",
            compute::AUTO_MODE_NOTEBOOKS,
            AttributePath::new("studio"),
        ));
    }
    if prior.is_some_and(notebooks) && node_stack_of(planned) == Some(NodeStack::None) {
        diags.push(Diagnostic::warning_at(
            "Notebook nodegroups lose what they run on",
            compute::AUTO_MODE_NOTEBOOKS_GO,
            AttributePath::new("studio"),
        ));
    }
}

/// EKS allows Auto Mode on and off on a running cluster; both change what
/// runs, and turning it off terminates its nodes: say so.
fn warn_compute_switch(diags: &mut Diagnostics, prior: &PlatformState, planned: &PlatformState) {
    let (Some(from), Some(to)) = (compute_of(prior), compute_of(planned)) else {
        return;
    };
    let detail = match (from, to) {
        (Compute::ManagedNodegroups, Compute::AutoMode) => compute::TO_AUTO_MODE,
        (Compute::AutoMode, Compute::ManagedNodegroups) => compute::FROM_AUTO_MODE,
        _ => return,
    };
    diags.push(Diagnostic::warning_at(
        "compute changes on the running cluster",
        detail,
        AttributePath::new("compute"),
    ));
}

/// What `compute` (and with Auto Mode, the Studio) decides among the
/// computed attributes: with Auto Mode no tooling nodegroup, add-ons only
/// with a Studio, and a node role (known once made); without it, no Auto
/// Mode node role.
fn plan_compute(prior: Option<&PlatformState>, planned: &mut PlatformState) {
    let Some(stack) = node_stack_of(planned) else {
        for value in [
            &mut planned.tooling_nodegroup_name,
            &mut planned.auto_mode_node_role_name,
            &mut planned.auto_mode_node_role_arn,
        ] {
            *value = Value::Unknown;
        }
        planned.addon_versions = Value::Unknown;
        return;
    };
    let changed = prior.is_some_and(|prior| node_stack_of(prior) != Some(stack));
    if stack.addons().is_empty() {
        planned.addon_versions = Value::Null;
    } else if changed {
        planned.addon_versions = Value::Unknown;
    }
    if !stack.tooling_nodegroup() {
        planned.tooling_nodegroup_name = Value::Null;
    } else if changed {
        planned.tooling_nodegroup_name = Value::Unknown;
    }
    match compute_of(planned) {
        Some(Compute::AutoMode) => {
            let kept = prior.filter(|prior| {
                compute_of(prior) == Some(Compute::AutoMode)
                    && prior.auto_mode_node_role_arn.is_value()
            });
            match kept {
                Some(prior) => {
                    planned.auto_mode_node_role_name = prior.auto_mode_node_role_name.clone();
                    planned.auto_mode_node_role_arn = prior.auto_mode_node_role_arn.clone();
                }
                None => {
                    planned.auto_mode_node_role_name = Value::Unknown;
                    planned.auto_mode_node_role_arn = Value::Unknown;
                }
            }
        }
        _ => {
            planned.auto_mode_node_role_name = Value::Null;
            planned.auto_mode_node_role_arn = Value::Null;
        }
    }
}

/// The public endpoint's CIDRs after their default, and a warning when this
/// plan opens the endpoint to every address (only when it decides so: at
/// create, or when the CIDRs change, not on every plan after).
fn plan_endpoint_access(
    diags: &mut Diagnostics,
    prior: Option<&PlatformState>,
    planned: &mut PlatformState,
) {
    if planned.endpoint_public_access_cidrs.is_null() {
        planned.endpoint_public_access_cidrs = match &planned.terraform_in_vpc {
            Value::Unknown => Value::Unknown,
            in_vpc => to_list(endpoint::default_public_cidrs(
                in_vpc.as_ref_option() == Some(&true),
            )),
        };
    }
    if list_is_unknown(&planned.endpoint_public_access_cidrs) {
        return;
    }
    let cidrs = strings(&planned.endpoint_public_access_cidrs);
    let changed = prior.is_none_or(|prior| strings(&prior.endpoint_public_access_cidrs) != cidrs);
    if changed && endpoint::open_to_anywhere(&cidrs) {
        diags.push(Diagnostic::warning_at(
            "Kubernetes API endpoint open to every address",
            endpoint::OPEN_TO_ANYWHERE,
            AttributePath::new("endpoint_public_access_cidrs"),
        ));
    }
}

/// EMR cannot change a Studio's sign-in in place, and a Studio deleted
/// outside Terraform is made again: say so, and that the notebooks stay.
fn warn_studio_replacement(diags: &mut Diagnostics, prior: &PlatformState, config: &PlatformState) {
    let (Some(old), Some(new)) = (prior.studio.as_ref_option(), config.studio.as_ref_option())
    else {
        return;
    };
    let kept = "The Workspace bucket with the users' notebooks, the Studio's roles and security groups stay; apply the platform's emreks_notebook_user resources again afterwards so they sign in to the new Studio.";
    let path = AttributePath::new("studio").index(0);
    match (known(&old.auth_mode), known(&new.auth_mode)) {
        (Some(from), Some(to)) if from != to => diags.push(Diagnostic::warning_at(
            "Studio replaced",
            format!("EMR cannot change a Studio's auth_mode in place: this apply replaces the Studio (\"{from}\" to \"{to}\"), with a new studio_id and studio_url. {kept}"),
            path.attribute("auth_mode"),
        )),
        _ if prior.studio_id.is_null() => diags.push(Diagnostic::warning_at(
            "Studio missing",
            format!("The platform's Studio does not exist (deleted outside Terraform, or an earlier apply stopped before it): this apply makes it, with a new studio_id and studio_url. {kept}"),
            path,
        )),
        _ => {}
    }
}

/// The `aws eks update-kubeconfig` command, once the region is known.
fn kubeconfig_command(state: &PlatformState, region: Option<&str>) -> Value<String> {
    let (Some(region), Some(name)) = (region, known(&state.name)) else {
        return Value::Unknown;
    };
    if state.eks_admin_role_arn.is_unknown() {
        return Value::Unknown;
    }
    Value::Value(jobs::kubeconfig_command(
        region,
        name,
        known(&state.eks_admin_role_arn),
    ))
}

/// Tags every object gets, or unknown while the resource's tags are.
fn tags_all(state: &PlatformState, default_tags: &BTreeMap<String, String>) -> StringMap {
    if map_is_unknown(&state.tags) || state.name.is_unknown() {
        return Value::Unknown;
    }
    to_map(&naming::object_tags(
        default_tags,
        &string_map(&state.tags),
        known(&state.name).unwrap_or_default(),
    ))
}

fn default_if_null<T>(value: &mut Value<T>, default: impl FnOnce() -> T) {
    if value.is_null() {
        *value = Value::Value(default());
    }
}

/// Fills every Optional+Computed argument the configuration leaves out.
pub fn fill_defaults(state: &mut PlatformState) {
    default_if_null(&mut state.release_label, || {
        defaults::RELEASE_LABEL.to_string()
    });
    default_if_null(&mut state.compute, || {
        Compute::default().as_str().to_string()
    });
    default_if_null(&mut state.log_retention_days, || {
        defaults::LOG_RETENTION_DAYS
    });
    // The tooling block, when given, shows its defaults; without it the
    // defaults apply all the same.
    if let Value::Value(tooling) = &mut state.tooling {
        let reference = Tooling::default();
        default_if_null(&mut tooling.instance_types, || {
            reference
                .instance_types
                .iter()
                .cloned()
                .map(Value::Value)
                .collect()
        });
        default_if_null(&mut tooling.ami_type, || reference.ami_type.clone());
        default_if_null(&mut tooling.min_size, || reference.min_size.into());
        default_if_null(&mut tooling.max_size, || reference.max_size.into());
        default_if_null(&mut tooling.desired_size, || reference.desired_size.into());
    }
    // A Studio without its virtual cluster gets the obvious one, shown in
    // the plan; when none is obvious, validation has said what to set.
    if let Some(chosen) = studio_cluster_default(state) {
        if let Value::Value(studio) = &mut state.studio {
            studio.virtual_cluster = Value::Value(chosen);
        }
    }
    if let Value::Value(profiles) = &mut state.job_profiles {
        for (key, profile) in profiles.iter_mut() {
            if let (Value::Value(profile), Some(kind)) = (profile, JobProfile::from_key(key)) {
                fill_profile(profile, &ProfileSettings::defaults(kind));
            }
        }
    }
}

fn studio_cluster_default(state: &PlatformState) -> Option<String> {
    let studio = state.studio.as_ref_option()?;
    if !studio.virtual_cluster.is_null() || state.virtual_clusters.is_unknown() {
        return None;
    }
    super::schema::notebook_cluster(state).ok()
}

fn fill_profile(profile: &mut JobProfileState, reference: &ProfileSettings) {
    default_if_null(&mut profile.min_executors, || {
        reference.min_executors.into()
    });
    default_if_null(&mut profile.max_executors, || {
        reference.max_executors.into()
    });
    default_if_null(&mut profile.allocation_batch_size, || {
        reference.allocation_batch_size.into()
    });
    default_if_null(&mut profile.executor_cores, || {
        Decimal::from_f64(reference.executor_cores)
    });
    default_if_null(&mut profile.executor_memory, || {
        reference.executor_memory.clone()
    });
    default_if_null(&mut profile.driver_cores, || {
        Decimal::from_f64(reference.driver_cores)
    });
    default_if_null(&mut profile.driver_memory, || {
        reference.driver_memory.clone()
    });
    default_if_null(&mut profile.entry_point, || DEFAULT_ENTRY_POINT.to_string());
}

/// Log group names follow from the platform name.
fn log_groups(planned: &PlatformState) -> StringMap {
    match known(&planned.name) {
        Some(name) => to_map(&jobs::log_group_names(name)),
        None => Value::Unknown,
    }
}

fn keys<T>(map: &Value<BTreeMap<String, T>>) -> Option<Vec<String>> {
    match map {
        Value::Value(map) => Some(map.keys().cloned().collect()),
        Value::Null => Some(Vec::new()),
        Value::Unknown => None,
    }
}

/// Computed attributes of the layer in an update plan: what the refresh found
/// missing, or what a changed argument changes, becomes "known after apply",
/// which makes the update put it back.
fn plan_layer(prior: &PlatformState, planned: &mut PlatformState) {
    if prior.virtual_clusters != planned.virtual_clusters
        || keys(&prior.virtual_cluster_ids) != keys(&planned.virtual_clusters)
    {
        planned.virtual_cluster_ids = Value::Unknown;
    }
    if keys(&prior.execution_role_arns) != keys(&planned.execution_roles) {
        planned.execution_role_arns = Value::Unknown;
    }
    let all = |map: &StringMap, count: usize| map.as_ref_option().is_some_and(|m| m.len() >= count);
    let addons = node_stack_of(planned).map_or(REQUIRED_ADDONS.len(), |s| s.addons().len());
    if !all(&prior.addon_versions, addons) || prior.kubernetes_version != planned.kubernetes_version
    {
        planned.addon_versions = Value::Unknown;
    }
    if !all(&prior.pod_template_uris, 6) || prior.assets_bucket.is_null() {
        planned.pod_template_uris = Value::Unknown;
        planned.assets_bucket = Value::Unknown;
    }
    for value in [
        &mut planned.node_role_arn,
        &mut planned.oidc_provider_arn,
        &mut planned.tooling_nodegroup_name,
    ] {
        if value.is_null() {
            *value = Value::Unknown;
        }
    }
    let shape = |s: &PlatformState| {
        s.tooling
            .as_ref_option()
            .map(|t| (t.instance_types.clone(), t.ami_type.clone()))
    };
    if shape(prior) != shape(planned) {
        // New instance types or AMI: a new tooling nodegroup replaces the old.
        planned.tooling_nodegroup_name = Value::Unknown;
    }
    planned.log_group_names = log_groups(planned);
    let requests_unknown = planned.virtual_cluster_ids.is_unknown()
        || planned.execution_role_arns.is_unknown()
        || planned.assets_bucket.is_unknown()
        || map_is_unknown_deep(&planned.job_profiles)
        || map_is_unknown_deep(&planned.virtual_clusters)
        || map_is_unknown_deep(&planned.execution_roles);
    if requests_unknown {
        planned.job_run_requests = Value::Unknown;
        planned.job_run_request_objects = Value::Unknown;
    } else {
        let clusters = string_map(&planned.virtual_cluster_ids);
        let roles = string_map(&planned.execution_role_arns);
        let name = known(&planned.name).unwrap_or_default();
        let runs = jobs::job_runs(
            name,
            super::schema::release_label(planned),
            &super::schema::profile_specs(planned),
            &jobs::Built {
                bucket: known(&planned.assets_bucket).unwrap_or_default(),
                prefix: &naming::pod_template_prefix(name),
                virtual_cluster_ids: &clusters,
                execution_role_arns: &roles,
            },
        );
        (planned.job_run_requests, planned.job_run_request_objects) =
            super::schema::job_run_outputs(&runs);
    }
    plan_studio(planned, Some(prior));
}

fn map_is_unknown_deep<T>(map: &Value<BTreeMap<String, Value<T>>>) -> bool {
    match map {
        Value::Unknown => true,
        Value::Value(map) => map.values().any(Value::is_unknown),
        Value::Null => false,
    }
}

/// Studio attributes: null without a studio, else as before unless the
/// studio changed or went missing.
fn plan_studio(planned: &mut PlatformState, prior: Option<&PlatformState>) {
    let planned_value = match prior {
        _ if planned.studio.is_null() => Value::Null,
        Some(prior) if prior.studio == planned.studio && prior.studio_id.is_value() => return,
        _ => Value::Unknown,
    };
    for value in [
        &mut planned.studio_id,
        &mut planned.studio_url,
        &mut planned.studio_engine_security_group_id,
        &mut planned.studio_workspace_security_group_id,
    ] {
        *value = planned_value.clone();
    }
}

/// Makes a state fit to save after a failed step: nothing may stay unknown.
pub fn settle(state: &mut PlatformState) {
    for value in [
        &mut state.id,
        &mut state.kubernetes_version,
        &mut state.cluster_name,
        &mut state.arn,
        &mut state.cluster_arn,
        &mut state.cluster_endpoint,
        &mut state.cluster_certificate_authority_data,
        &mut state.kubeconfig_command,
        &mut state.cluster_role_arn,
        &mut state.cluster_security_group_id,
        &mut state.oidc_issuer_url,
        &mut state.vpc_id,
        &mut state.node_role_arn,
        &mut state.auto_mode_node_role_name,
        &mut state.auto_mode_node_role_arn,
        &mut state.oidc_provider_arn,
        &mut state.assets_bucket,
        &mut state.tooling_nodegroup_name,
        &mut state.studio_id,
        &mut state.studio_url,
        &mut state.studio_engine_security_group_id,
        &mut state.studio_workspace_security_group_id,
    ] {
        unknown_as_null(value);
    }
    for map in [
        &mut state.subnet_ids_by_az,
        &mut state.tags_all,
        &mut state.addon_versions,
        &mut state.pod_template_uris,
        &mut state.log_group_names,
        &mut state.virtual_cluster_ids,
        &mut state.execution_role_arns,
        &mut state.job_run_requests,
    ] {
        unknown_as_null(map);
    }
    unknown_as_null(&mut state.job_run_request_objects);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_compute(compute: &str) -> PlatformState {
        PlatformState {
            compute: Value::Value(compute.into()),
            tooling_nodegroup_name: Value::Value("tooling-abc".into()),
            auto_mode_node_role_name: Value::Value("p-auto-node-x".into()),
            auto_mode_node_role_arn: Value::Value("arn:aws:iam::1:role/p-auto-node-x".into()),
            ..Default::default()
        }
    }

    #[test]
    fn auto_mode_plans_no_tooling_and_keeps_its_node_role() {
        let prior = with_compute("auto_mode");
        let mut planned = prior.clone();
        plan_compute(Some(&prior), &mut planned);
        assert!(planned.tooling_nodegroup_name.is_null());
        assert!(planned.addon_versions.is_null());
        assert_eq!(
            planned.auto_mode_node_role_arn,
            prior.auto_mode_node_role_arn
        );

        let mut created = with_compute("auto_mode");
        plan_compute(None, &mut created);
        assert!(created.auto_mode_node_role_arn.is_unknown());
    }

    #[test]
    fn switching_plans_what_changes_and_warns() {
        let prior = with_compute("auto_mode");
        let mut planned = with_compute("managed_nodegroups");
        let mut diags = Diagnostics::default();
        warn_compute_switch(&mut diags, &prior, &planned);
        plan_compute(Some(&prior), &mut planned);
        assert!(planned.auto_mode_node_role_arn.is_null());
        assert!(planned.tooling_nodegroup_name.is_unknown());
        assert!(format!("{:?}", diags.items).contains("terminates every node"));

        // A state of an earlier release has no compute: managed nodegroups, no warning.
        let mut old = with_compute("managed_nodegroups");
        old.compute = Value::Null;
        let mut quiet = Diagnostics::default();
        warn_compute_switch(&mut quiet, &old, &with_compute("managed_nodegroups"));
        assert!(quiet.items.is_empty());
    }

    #[test]
    fn a_studio_on_auto_mode_plans_add_ons_and_warns_once() {
        let prior = with_compute("auto_mode");
        let mut planned = with_compute("auto_mode");
        planned.studio = Value::Value(Default::default());
        planned.addon_versions = Value::Null;
        let mut diags = Diagnostics::default();
        plan_compute(Some(&prior), &mut planned);
        warn_auto_mode_notebooks(&mut diags, Some(&prior), &planned);
        assert!(planned.addon_versions.is_unknown());
        assert!(planned.tooling_nodegroup_name.is_null());
        let warned = format!("{:?}", diags.items);
        assert!(warned.contains("notebook_driver"), "{warned}");
        assert!(warned.contains("studio"), "{warned}");

        let mut again = planned.clone();
        let mut quiet = Diagnostics::default();
        warn_auto_mode_notebooks(&mut quiet, Some(&planned), &again);
        assert!(quiet.items.is_empty());

        // The Studio removed: the add-ons go, and the plan says what to remove with it.
        again.studio = Value::Null;
        plan_compute(Some(&planned), &mut again);
        assert!(again.addon_versions.is_null());
        let mut removed = Diagnostics::default();
        warn_auto_mode_notebooks(&mut removed, Some(&planned), &again);
        assert!(format!("{:?}", removed.items).contains("emreks_notebook_user"));
    }
}
