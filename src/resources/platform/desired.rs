//! The platform's EMR-on-EKS arguments with the reference defaults filled in,
//! and their validation. Pure: plan uses it to show defaults, apply to act.

use std::collections::{BTreeMap, BTreeSet};

use crate::plugin::Value;
use crate::plugin::{AttributePath, Diagnostics};

use super::state::{JobProfileState, PlatformState};
use crate::platform::defaults::{self, Tooling};
use crate::platform::iam_documents::Trust;
use crate::platform::job_profiles::{ProfileSettings, DEFAULT_ENTRY_POINT};
use crate::platform::jobs::{self, ProfileSpec};
use crate::platform::pod_templates::JobProfile;
use crate::platform::validate;
use crate::platform::validate::check_retention;
use crate::resources::values::{known, strings, Decimal};

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
    if let Value::Value(profiles) = &mut state.job_profiles {
        for (key, profile) in profiles.iter_mut() {
            if let (Value::Value(profile), Some(kind)) = (profile, JobProfile::from_key(key)) {
                fill_profile(profile, &ProfileSettings::defaults(kind));
            }
        }
    }
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

/// The settings of a profile after defaults, for the job requests.
pub fn profile_settings(profile: &JobProfileState, kind: JobProfile) -> ProfileSettings {
    let reference = ProfileSettings::defaults(kind);
    let number = |v: &Value<i64>, d: u32| v.as_ref_option().map_or(d, |n| (*n).max(0) as u32);
    let cores =
        |v: &Value<Decimal>, d: f64| v.as_ref_option().and_then(Decimal::to_f64).unwrap_or(d);
    ProfileSettings {
        min_executors: number(&profile.min_executors, reference.min_executors),
        max_executors: number(&profile.max_executors, reference.max_executors),
        allocation_batch_size: number(
            &profile.allocation_batch_size,
            reference.allocation_batch_size,
        ),
        executor_cores: cores(&profile.executor_cores, reference.executor_cores),
        executor_memory: known(&profile.executor_memory)
            .map_or(reference.executor_memory.clone(), str::to_string),
        driver_cores: cores(&profile.driver_cores, reference.driver_cores),
        driver_memory: known(&profile.driver_memory)
            .map_or(reference.driver_memory.clone(), str::to_string),
    }
}

/// The tooling nodegroup after defaults.
pub fn tooling(state: &PlatformState) -> Tooling {
    let tooling = state.tooling.as_ref_option().cloned().unwrap_or_default();
    let reference = Tooling::default();
    let size = |v: &Value<i64>, d: i32| v.as_ref_option().map_or(d, |n| *n as i32);
    let instance_types = strings(&tooling.instance_types);
    Tooling {
        instance_types: if instance_types.is_empty() {
            reference.instance_types
        } else {
            instance_types
        },
        ami_type: known(&tooling.ami_type).map_or(reference.ami_type, str::to_string),
        min_size: size(&tooling.min_size, reference.min_size),
        max_size: size(&tooling.max_size, reference.max_size),
        desired_size: size(&tooling.desired_size, reference.desired_size),
    }
}

/// The configured job profiles whose virtual cluster and execution role are known.
pub fn profile_specs(state: &PlatformState) -> Vec<ProfileSpec> {
    let Value::Value(profiles) = &state.job_profiles else {
        return Vec::new();
    };
    profiles
        .iter()
        .filter_map(|(key, profile)| {
            let (Some(kind), Value::Value(profile)) = (JobProfile::from_key(key), profile) else {
                return None;
            };
            Some(ProfileSpec {
                profile: kind,
                virtual_cluster: known(&profile.virtual_cluster)?.to_string(),
                execution_role: known(&profile.execution_role)?.to_string(),
                settings: profile_settings(profile, kind),
                entry_point: known(&profile.entry_point).map(str::to_string),
            })
        })
        .collect()
}

/// Ready-made requests from the state and the ids of what the platform made.
pub fn job_run_requests(
    state: &PlatformState,
    built: &jobs::Built<'_>,
) -> BTreeMap<String, String> {
    jobs::job_run_requests(
        known(&state.name).unwrap_or_default(),
        known(&state.release_label).unwrap_or(defaults::RELEASE_LABEL),
        &profile_specs(state),
        built,
    )
}

/// Checks of the EMR-on-EKS arguments; unknown values wait for apply.
pub fn validate(diags: &mut Diagnostics, config: &PlatformState) {
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
        if let Err(why) = check_retention(days) {
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

fn validate_job_profiles(diags: &mut Diagnostics, config: &PlatformState) {
    let Value::Value(profiles) = &config.job_profiles else {
        return;
    };
    for (key, profile) in profiles {
        let path = || AttributePath::new("job_profiles").key(key.clone());
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
    let path = || AttributePath::new("studio");
    match known(&studio.auth_mode) {
        Some("SSO") if studio.idc_instance_arn.is_null() => diags.error(
            "Missing idc_instance_arn",
            "Studio auth_mode \"SSO\" signs users in through IAM Identity Center: set `idc_instance_arn` to the Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...).",
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
