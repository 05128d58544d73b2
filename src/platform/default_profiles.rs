//! The walkthrough's job profiles for a platform whose configuration names
//! none: `critical` and `non_critical` on the batch virtual cluster and
//! `notebook` on the Studio's, each with the one execution role its
//! namespace allows; and the Studio's virtual cluster when it is left out.
//! A choice is made only when exactly one candidate fits; otherwise the
//! caller reports which argument to set.

use std::collections::BTreeMap;

use super::pod_templates::JobProfile;

/// What the choice is made from: the platform's keys and namespaces.
pub struct Layout<'a> {
    /// Virtual cluster key → namespace.
    pub virtual_clusters: &'a BTreeMap<String, String>,
    /// Execution role key → namespaces whose jobs may use it.
    pub execution_roles: &'a BTreeMap<String, Vec<String>>,
    /// The Studio's virtual cluster (given or chosen); `None` without a Studio.
    pub notebook_cluster: Option<&'a str>,
}

/// A profile's virtual cluster and execution role, both keys of the platform's maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub profile: JobProfile,
    pub virtual_cluster: String,
    pub execution_role: String,
}

/// Why a profile has no default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoChoice {
    /// Several candidates: the user must name one; `argument` says where.
    Ambiguous {
        profile: JobProfile,
        argument: &'static str,
        candidates: Vec<String>,
    },
    /// No execution role may run jobs in the virtual cluster's namespace.
    NoRole {
        profile: JobProfile,
        virtual_cluster: String,
        namespace: String,
    },
}

impl NoChoice {
    pub fn profile(&self) -> JobProfile {
        match self {
            NoChoice::Ambiguous { profile, .. } | NoChoice::NoRole { profile, .. } => *profile,
        }
    }

    /// What to tell the user, naming the argument to set.
    pub fn message(&self) -> String {
        match self {
            NoChoice::Ambiguous {
                profile,
                argument,
                candidates,
            } => format!(
                "Without job_profile blocks the platform picks the {} profile's {argument} only when one fits, and {} do ({}). Add a `job_profile \"{}\"` block and set its `{argument}`.",
                profile.key(),
                candidates.len(),
                quoted(candidates),
                profile.key(),
            ),
            NoChoice::NoRole {
                profile,
                virtual_cluster,
                namespace,
            } => format!(
                "No execution role lists namespace \"{namespace}\" of virtual cluster \"{virtual_cluster}\", so the {} profile has no ready-made request. Add \"{namespace}\" to an execution role's `namespaces`, or add a `job_profile \"{}\"` block.",
                profile.key(),
                profile.key(),
            ),
        }
    }
}

fn quoted(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Studio's virtual cluster when `studio.virtual_cluster` is left out:
/// the one a `notebook` job profile names, else the only virtual cluster.
/// `Err` says what to set.
pub fn notebook_cluster(
    virtual_clusters: &BTreeMap<String, String>,
    notebook_profile_cluster: Option<&str>,
) -> Result<String, String> {
    if let Some(cluster) = notebook_profile_cluster {
        return Ok(cluster.to_string());
    }
    let keys: Vec<String> = virtual_clusters.keys().cloned().collect();
    match keys.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err("The Studio's notebooks need a virtual cluster: add one to `virtual_clusters` (e.g. `emrvcplatform = { namespace = \"dataanalysis\" }`) and name it in `studio.virtual_cluster`.".to_string()),
        _ => Err(format!(
            "The platform has {} virtual clusters ({}) and no `notebook` job profile, so which one the notebooks use is not clear: set `studio.virtual_cluster`.",
            keys.len(),
            quoted(&keys)
        )),
    }
}

/// The profiles of a platform without job_profile blocks. Batch profiles
/// go on the one virtual cluster that is not the notebooks' (the only one,
/// if the Studio shares it); `notebook` on the Studio's, when there is one.
/// No virtual cluster at all means no profile and nothing to report.
pub fn choose(layout: &Layout<'_>) -> (Vec<Chosen>, Vec<NoChoice>) {
    let (mut chosen, mut problems) = (Vec::new(), Vec::new());
    let all: Vec<&String> = layout.virtual_clusters.keys().collect();
    let batch: Vec<&String> = match layout.notebook_cluster {
        Some(notebooks) if all.len() > 1 => {
            all.iter().copied().filter(|k| *k != notebooks).collect()
        }
        _ => all.clone(),
    };
    let mut pick = |profile: JobProfile, clusters: &[&String]| match clusters {
        [] => {}
        [cluster] => match role_for(layout, profile, cluster) {
            Ok(role) => chosen.push(Chosen {
                profile,
                virtual_cluster: (*cluster).clone(),
                execution_role: role,
            }),
            Err(problem) => problems.push(problem),
        },
        _ => problems.push(NoChoice::Ambiguous {
            profile,
            argument: "virtual_cluster",
            candidates: clusters.iter().map(|k| (*k).clone()).collect(),
        }),
    };
    pick(JobProfile::Critical, &batch);
    pick(JobProfile::NonCritical, &batch);
    if let Some(notebooks) = layout.notebook_cluster {
        let known: Vec<&String> = all.iter().copied().filter(|k| *k == notebooks).collect();
        pick(JobProfile::Notebook, &known);
    }
    (chosen, problems)
}

/// The one execution role whose namespaces include the virtual cluster's.
fn role_for(layout: &Layout<'_>, profile: JobProfile, cluster: &str) -> Result<String, NoChoice> {
    let namespace = layout
        .virtual_clusters
        .get(cluster)
        .cloned()
        .unwrap_or_default();
    let roles: Vec<String> = layout
        .execution_roles
        .iter()
        .filter(|(_, namespaces)| namespaces.contains(&namespace))
        .map(|(key, _)| key.clone())
        .collect();
    match roles.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(NoChoice::NoRole {
            profile,
            virtual_cluster: cluster.to_string(),
            namespace,
        }),
        _ => Err(NoChoice::Ambiguous {
            profile,
            argument: "execution_role",
            candidates: roles,
        }),
    }
}

/// One sentence saying what was chosen, for the plan-time warning.
pub fn describe(chosen: &[Chosen]) -> String {
    let each: Vec<String> = chosen
        .iter()
        .map(|c| {
            format!(
                "{} on virtual cluster \"{}\" as execution role \"{}\"",
                c.profile.key(),
                c.virtual_cluster,
                c.execution_role
            )
        })
        .collect();
    format!(
        "No job_profile blocks, so the ready-made requests in `job_run_requests` use the reference settings: {}. Add `job_profile` blocks to choose otherwise.",
        each.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn roles(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, ns)| (k.to_string(), ns.iter().map(|n| n.to_string()).collect()))
            .collect()
    }

    fn walkthrough() -> (BTreeMap<String, String>, BTreeMap<String, Vec<String>>) {
        (
            map(&[("batchjob", "batchjob"), ("emrvcplatform", "dataanalysis")]),
            roles(&[("jobs", &["batchjob"]), ("notebooks", &["dataanalysis"])]),
        )
    }

    #[test]
    fn the_walkthrough_layout_is_unambiguous() {
        let (clusters, roles) = walkthrough();
        let (chosen, problems) = choose(&Layout {
            virtual_clusters: &clusters,
            execution_roles: &roles,
            notebook_cluster: Some("emrvcplatform"),
        });
        assert_eq!(problems, []);
        let picked: Vec<(&str, &str, &str)> = chosen
            .iter()
            .map(|c| {
                (
                    c.profile.key(),
                    c.virtual_cluster.as_str(),
                    c.execution_role.as_str(),
                )
            })
            .collect();
        assert_eq!(
            picked,
            [
                ("critical", "batchjob", "jobs"),
                ("non_critical", "batchjob", "jobs"),
                ("notebook", "emrvcplatform", "notebooks"),
            ]
        );
        let said = describe(&chosen);
        assert!(
            said.contains("critical on virtual cluster \"batchjob\" as execution role \"jobs\"")
        );
        assert!(said.contains("notebook on virtual cluster \"emrvcplatform\""));
    }

    #[test]
    fn without_a_studio_no_notebook_profile() {
        let clusters = map(&[("batchjob", "batchjob")]);
        let roles = roles(&[("jobs", &["batchjob"])]);
        let (chosen, problems) = choose(&Layout {
            virtual_clusters: &clusters,
            execution_roles: &roles,
            notebook_cluster: None,
        });
        assert_eq!(problems, []);
        assert_eq!(
            chosen.iter().map(|c| c.profile).collect::<Vec<_>>(),
            [JobProfile::Critical, JobProfile::NonCritical]
        );
    }

    #[test]
    fn a_studio_sharing_the_only_cluster_gets_all_three() {
        let clusters = map(&[("emr", "spark")]);
        let roles = roles(&[("jobs", &["spark"])]);
        let (chosen, problems) = choose(&Layout {
            virtual_clusters: &clusters,
            execution_roles: &roles,
            notebook_cluster: Some("emr"),
        });
        assert_eq!(problems, []);
        assert_eq!(chosen.len(), 3);
        assert!(chosen.iter().all(|c| c.virtual_cluster == "emr"));
    }

    #[test]
    fn several_candidates_name_the_argument() {
        let (mut clusters, roles) = walkthrough();
        clusters.insert("adhoc".into(), "adhoc".into());
        let (chosen, problems) = choose(&Layout {
            virtual_clusters: &clusters,
            execution_roles: &roles,
            notebook_cluster: None,
        });
        assert!(chosen.is_empty());
        let NoChoice::Ambiguous {
            argument,
            candidates,
            ..
        } = &problems[0]
        else {
            panic!("ambiguous: {problems:?}");
        };
        assert_eq!(*argument, "virtual_cluster");
        assert_eq!(candidates.len(), 3);
        let message = problems[0].message();
        assert!(message.contains("`job_profile \"critical\"`"), "{message}");
        assert!(message.contains("`virtual_cluster`"), "{message}");

        let clusters = map(&[("batchjob", "batchjob")]);
        let two = self::roles(&[("a", &["batchjob"]), ("b", &["batchjob"])]);
        let (_, problems) = choose(&Layout {
            virtual_clusters: &clusters,
            execution_roles: &two,
            notebook_cluster: None,
        });
        assert!(problems[0].message().contains("`execution_role`"));
        assert!(problems[0].message().contains("\"a\", \"b\""));
    }

    #[test]
    fn a_namespace_no_role_covers_says_so() {
        let clusters = map(&[("batchjob", "batchjob")]);
        let (chosen, problems) = choose(&Layout {
            virtual_clusters: &clusters,
            execution_roles: &BTreeMap::new(),
            notebook_cluster: None,
        });
        assert!(chosen.is_empty());
        assert_eq!(problems.len(), 2);
        assert!(problems[0].message().contains("namespace \"batchjob\""));
    }

    #[test]
    fn no_virtual_cluster_no_profile() {
        let (chosen, problems) = choose(&Layout {
            virtual_clusters: &BTreeMap::new(),
            execution_roles: &BTreeMap::new(),
            notebook_cluster: None,
        });
        assert!(chosen.is_empty() && problems.is_empty());
    }

    #[test]
    fn the_notebook_cluster_is_inferred_when_obvious() {
        let one = map(&[("emr", "spark")]);
        assert_eq!(notebook_cluster(&one, None), Ok("emr".to_string()));
        let (two, _) = walkthrough();
        assert_eq!(
            notebook_cluster(&two, Some("emrvcplatform")),
            Ok("emrvcplatform".to_string())
        );
        let why = notebook_cluster(&two, None).unwrap_err();
        assert!(why.contains("set `studio.virtual_cluster`"), "{why}");
        assert!(why.contains("\"batchjob\", \"emrvcplatform\""), "{why}");
        assert!(notebook_cluster(&BTreeMap::new(), None)
            .unwrap_err()
            .contains("virtual_clusters"));
    }
}
