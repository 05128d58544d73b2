//! Spark pod templates per job profile and Spark role: they put drivers and
//! executors on their node groups and keep every executor of a job in the
//! availability zone of its driver, so shuffle traffic never crosses zones.

use crate::platform::compute::Compute;
use crate::platform::node_roles::{NodeRole, Taint};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Where the critical nodes' launch template mounts the RAID0 array of the
/// instance-store NVMe volumes. The launch template must always create this
/// directory (a plain directory when an instance type has no NVMe): the
/// volume is of type `Directory`, so a node without it fails the pod loudly
/// instead of spilling shuffle data onto the small root volume.
pub const LOCAL_DIR_HOST_PATH: &str = "/local1";

/// User and group the EMR on EKS Spark images run as (`hadoop`).
pub const SPARK_UID: u32 = 999;
pub const SPARK_GID: u32 = 1000;

/// Spark treats every mount of its container whose volume name starts with
/// `spark-local-dir-` as a local dir (and then creates no emptyDir).
const LOCAL_DIR_VOLUME: &str = "spark-local-dir-1";
/// Container names EMR on EKS gives the Spark containers.
const EXECUTOR_CONTAINER: &str = "spark-kubernetes-executor";
/// A shell and `chown` from ECR Public, which has no Docker Hub pull limits.
const OWNERSHIP_INIT_IMAGE: &str = "public.ecr.aws/docker/library/busybox:1.36";

/// Label Spark puts on every pod of an application, with the app id as value.
const APP_LABEL: &str = "spark-app-selector";
/// Label Spark puts on driver and executor pods.
const SPARK_ROLE_LABEL: &str = "spark-role";
const ZONE_TOPOLOGY_KEY: &str = "topology.kubernetes.io/zone";
/// `matchLabelKeys` in pod affinity is on by default from Kubernetes 1.31;
/// older API servers silently drop it, which would let executors follow any
/// driver in the namespace instead of their own.
const FIRST_MINOR_WITH_MATCH_LABEL_KEYS: u32 = 31;
/// Keeps Karpenter (EKS Auto Mode) from consolidating or expiring the node
/// under a running driver, whose loss fails the whole job; nodes that no
/// Karpenter manages ignore it.
pub const DO_NOT_DISRUPT_ANNOTATION: &str = "karpenter.sh/do-not-disrupt";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobProfile {
    Critical,
    NonCritical,
    Notebook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SparkRole {
    Driver,
    Executor,
}

impl JobProfile {
    pub const ALL: [JobProfile; 3] = [
        JobProfile::Critical,
        JobProfile::NonCritical,
        JobProfile::Notebook,
    ];

    /// Name used in log group names and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            JobProfile::Critical => "critical",
            JobProfile::NonCritical => "non-critical",
            JobProfile::Notebook => "notebook",
        }
    }

    /// The profile's key in the configuration (`job_profile "non_critical"`).
    pub fn key(self) -> &'static str {
        match self {
            JobProfile::Critical => "critical",
            JobProfile::NonCritical => "non_critical",
            JobProfile::Notebook => "notebook",
        }
    }

    pub fn from_key(key: &str) -> Option<JobProfile> {
        JobProfile::ALL
            .into_iter()
            .find(|profile| profile.key() == key)
    }

    /// Prefix of the template file names; non-critical keeps the reference's `shared`.
    fn file_prefix(self) -> &'static str {
        match self {
            JobProfile::Critical => "critical",
            JobProfile::NonCritical => "shared",
            JobProfile::Notebook => "notebook",
        }
    }
}

impl SparkRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SparkRole::Driver => "driver",
            SparkRole::Executor => "executor",
        }
    }
}

/// The node group a profile's driver or executors run on.
pub fn node_role(profile: JobProfile, spark_role: SparkRole) -> NodeRole {
    match (profile, spark_role) {
        (JobProfile::Critical, _) => NodeRole::Critical,
        (JobProfile::NonCritical, SparkRole::Driver) => NodeRole::NonCriticalDriver,
        (JobProfile::NonCritical, SparkRole::Executor) => NodeRole::NonCriticalExecutor,
        (JobProfile::Notebook, SparkRole::Driver) => NodeRole::NotebookDriver,
        (JobProfile::Notebook, SparkRole::Executor) => NodeRole::NotebookExecutor,
    }
}

/// File name of a template, e.g. `critical-driver.yaml`, `shared-executor.yaml`.
pub fn template_file_name(profile: JobProfile, spark_role: SparkRole) -> String {
    format!("{}-{}.yaml", profile.file_prefix(), spark_role.as_str())
}

/// S3 key of a template under `prefix` (leading and trailing '/' ignored),
/// e.g. `analytics/pod-template/critical-driver.yaml`.
pub fn object_key(prefix: &str, profile: JobProfile, spark_role: SparkRole) -> String {
    let prefix = prefix.trim_matches('/');
    let file = template_file_name(profile, spark_role);
    if prefix.is_empty() {
        file
    } else {
        format!("{prefix}/{file}")
    }
}

/// Zone pinning of executors needs `matchLabelKeys` in pod affinity.
pub fn check_kubernetes_version(version: (u32, u32)) -> Result<(), String> {
    let (major, minor) = version;
    if major > 1 || minor >= FIRST_MINOR_WITH_MATCH_LABEL_KEYS {
        Ok(())
    } else {
        Err(format!(
            "Kubernetes {major}.{minor} is too old for this platform's pod templates, which keep each job's executors in its driver's availability zone with pod affinity matchLabelKeys; use Kubernetes 1.{FIRST_MINOR_WITH_MATCH_LABEL_KEYS} or newer"
        ))
    }
}

/// The well-known label of a node's CPU architecture, which the kubelet sets.
pub const ARCH_LABEL: &str = "kubernetes.io/arch";

/// The labels a profile's pods select their nodes by. Notebook pods (the
/// kernels of interactive endpoints) also select x86 nodes: EMR on EKS
/// interactive endpoints do not support the ARM Amazon Linux AMIs.
fn node_selector(profile: JobProfile, node_role: NodeRole) -> BTreeMap<String, String> {
    let mut labels = node_role.labels();
    if profile == JobProfile::Notebook {
        labels.insert(ARCH_LABEL.to_string(), "amd64".to_string());
    }
    labels
}

/// The pod template (a Kubernetes Pod manifest; JSON, which is valid YAML).
/// On Auto Mode the nodes are AWS's, with no NVMe array mounted at
/// `LOCAL_DIR_HOST_PATH`: executors spill to the node's ephemeral storage
/// (the NodeClass sizes it) instead of failing on a missing host path.
pub fn pod_template(profile: JobProfile, spark_role: SparkRole, compute: Compute) -> String {
    let node_role = node_role(profile, spark_role);
    let mut spec = Map::new();
    spec.insert(
        "nodeSelector".into(),
        json!(node_selector(profile, node_role)),
    );
    spec.insert(
        "tolerations".into(),
        Value::Array(node_role.taints().iter().map(toleration).collect()),
    );
    if spark_role == SparkRole::Executor {
        spec.insert("affinity".into(), same_zone_as_driver());
    }
    if spark_role == SparkRole::Executor
        && node_role.wants_local_nvme()
        && compute == Compute::ManagedNodegroups
    {
        add_nvme_local_dir(&mut spec);
    }
    let mut template = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "spec": spec,
    });
    if spark_role == SparkRole::Driver {
        template["metadata"] = json!({ "annotations": { DO_NOT_DISRUPT_ANNOTATION: "true" } });
    }
    // Serializing a Value built from strings and maps cannot fail; fall back
    // to the compact form rather than panic.
    serde_json::to_string_pretty(&template).unwrap_or_else(|_| template.to_string()) + "\n"
}

fn toleration(taint: &Taint) -> Value {
    json!({
        "key": taint.key,
        "operator": "Equal",
        "value": taint.value,
        "effect": taint.kubernetes_effect(),
    })
}

/// Required affinity to the zone of the pod labelled `spark-role=driver`
/// whose `spark-app-selector` equals this executor's: its own driver.
fn same_zone_as_driver() -> Value {
    json!({
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [{
                "labelSelector": { "matchLabels": { SPARK_ROLE_LABEL: "driver" } },
                "matchLabelKeys": [APP_LABEL],
                "topologyKey": ZONE_TOPOLOGY_KEY,
            }]
        }
    })
}

/// Mounts the node's NVMe array as Spark's local dir, after an init
/// container (root) hands the directory to the Spark user.
fn add_nvme_local_dir(spec: &mut Map<String, Value>) {
    let mount = json!([{ "name": LOCAL_DIR_VOLUME, "mountPath": LOCAL_DIR_HOST_PATH }]);
    spec.insert(
        "volumes".into(),
        json!([{
            "name": LOCAL_DIR_VOLUME,
            "hostPath": { "path": LOCAL_DIR_HOST_PATH, "type": "Directory" },
        }]),
    );
    spec.insert(
        "initContainers".into(),
        json!([{
            "name": "local-dir-ownership",
            "image": OWNERSHIP_INIT_IMAGE,
            "command": [
                "sh",
                "-c",
                format!("chown {SPARK_UID}:{SPARK_GID} {LOCAL_DIR_HOST_PATH} && chmod 0770 {LOCAL_DIR_HOST_PATH}"),
            ],
            "securityContext": { "runAsUser": 0 },
            "volumeMounts": mount,
        }]),
    );
    spec.insert(
        "containers".into(),
        json!([{ "name": EXECUTOR_CONTAINER, "volumeMounts": mount }]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(profile: JobProfile, role: SparkRole) -> Value {
        serde_json::from_str(&pod_template(profile, role, Compute::ManagedNodegroups))
            .expect("templates are JSON")
    }

    #[test]
    fn file_names_follow_the_reference() {
        assert_eq!(
            template_file_name(JobProfile::Critical, SparkRole::Driver),
            "critical-driver.yaml"
        );
        assert_eq!(
            template_file_name(JobProfile::NonCritical, SparkRole::Executor),
            "shared-executor.yaml"
        );
        assert_eq!(
            template_file_name(JobProfile::Notebook, SparkRole::Driver),
            "notebook-driver.yaml"
        );
    }

    #[test]
    fn object_keys_join_cleanly() {
        assert_eq!(
            object_key(
                "analytics/pod-template/",
                JobProfile::Notebook,
                SparkRole::Executor
            ),
            "analytics/pod-template/notebook-executor.yaml"
        );
        assert_eq!(
            object_key(
                "/analytics/pod-template",
                JobProfile::Critical,
                SparkRole::Driver
            ),
            "analytics/pod-template/critical-driver.yaml"
        );
        assert_eq!(
            object_key("", JobProfile::Critical, SparkRole::Driver),
            "critical-driver.yaml"
        );
    }

    #[test]
    fn every_template_is_a_pod_selecting_and_tolerating_its_nodes() {
        for profile in JobProfile::ALL {
            for role in [SparkRole::Driver, SparkRole::Executor] {
                let pod = parsed(profile, role);
                assert_eq!(pod["kind"], "Pod");
                assert_eq!(pod["apiVersion"], "v1");
                let nodes = node_role(profile, role);
                let mut wanted = nodes.labels();
                if profile == JobProfile::Notebook {
                    wanted.insert(ARCH_LABEL.to_string(), "amd64".to_string());
                }
                assert_eq!(pod["spec"]["nodeSelector"], json!(wanted));
                let tolerations = pod["spec"]["tolerations"].as_array().unwrap();
                assert_eq!(tolerations.len(), nodes.taints().len());
                for (toleration, taint) in tolerations.iter().zip(nodes.taints()) {
                    assert_eq!(toleration["key"], taint.key.as_str());
                    assert_eq!(toleration["value"], taint.value.as_str());
                    assert_eq!(toleration["operator"], "Equal");
                    assert_eq!(toleration["effect"], "NoSchedule");
                }
            }
        }
    }

    #[test]
    fn shared_executor_selects_spot_nodes_and_tolerates_both_taints() {
        let pod = parsed(JobProfile::NonCritical, SparkRole::Executor);
        assert_eq!(
            pod["spec"]["nodeSelector"],
            json!({"role": "shared", "spark-role": "executor", "node-lifecycle": "spot"})
        );
        let keys: Vec<&str> = pod["spec"]["tolerations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["role", "node-lifecycle"]);
    }

    #[test]
    fn executors_follow_their_own_driver_into_its_zone() {
        for profile in JobProfile::ALL {
            let pod = parsed(profile, SparkRole::Executor);
            let terms = &pod["spec"]["affinity"]["podAffinity"]
                ["requiredDuringSchedulingIgnoredDuringExecution"];
            assert_eq!(terms.as_array().map(Vec::len), Some(1));
            let term = &terms[0];
            assert_eq!(term["topologyKey"], "topology.kubernetes.io/zone");
            assert_eq!(
                term["labelSelector"]["matchLabels"],
                json!({"spark-role": "driver"})
            );
            assert_eq!(term["matchLabelKeys"], json!(["spark-app-selector"]));
        }
    }

    #[test]
    fn drivers_are_not_disrupted_by_karpenter_and_executors_may_be() {
        for profile in JobProfile::ALL {
            let driver = parsed(profile, SparkRole::Driver);
            assert_eq!(
                driver["metadata"]["annotations"][DO_NOT_DISRUPT_ANNOTATION],
                "true"
            );
            assert!(parsed(profile, SparkRole::Executor)
                .get("metadata")
                .is_none());
        }
    }

    #[test]
    fn drivers_have_no_affinity_and_no_volumes() {
        for profile in JobProfile::ALL {
            let pod = parsed(profile, SparkRole::Driver);
            assert!(pod["spec"].get("affinity").is_none());
            assert!(pod["spec"].get("volumes").is_none());
            assert!(pod["spec"].get("initContainers").is_none());
        }
    }

    #[test]
    fn critical_executor_uses_the_nvme_array_as_local_dir() {
        let pod = parsed(JobProfile::Critical, SparkRole::Executor);
        let spec = &pod["spec"];
        assert_eq!(spec["volumes"][0]["name"], "spark-local-dir-1");
        assert_eq!(spec["volumes"][0]["hostPath"]["path"], LOCAL_DIR_HOST_PATH);
        assert_eq!(spec["volumes"][0]["hostPath"]["type"], "Directory");

        let container = &spec["containers"][0];
        assert_eq!(container["name"], "spark-kubernetes-executor");
        assert_eq!(container["volumeMounts"][0]["name"], "spark-local-dir-1");

        let init = &spec["initContainers"][0];
        assert_eq!(init["securityContext"]["runAsUser"], 0);
        assert_eq!(init["volumeMounts"][0]["mountPath"], LOCAL_DIR_HOST_PATH);
        let script = init["command"][2].as_str().unwrap();
        assert!(script.contains("chown 999:1000 /local1"), "{script}");

        // The other executors keep Spark's default emptyDir local storage.
        for profile in [JobProfile::NonCritical, JobProfile::Notebook] {
            assert!(parsed(profile, SparkRole::Executor)["spec"]
                .get("volumes")
                .is_none());
        }
    }

    #[test]
    fn auto_mode_executors_spill_to_the_nodes_ephemeral_storage() {
        // Auto Mode nodes have no NVMe array at the host path: a hostPath
        // volume of type Directory would keep every critical executor from
        // starting.
        for profile in JobProfile::ALL {
            let pod: Value = serde_json::from_str(&pod_template(
                profile,
                SparkRole::Executor,
                Compute::AutoMode,
            ))
            .expect("templates are JSON");
            let spec = &pod["spec"];
            assert!(spec.get("volumes").is_none(), "{profile:?}");
            assert!(spec.get("initContainers").is_none(), "{profile:?}");
            assert_eq!(spec["affinity"], same_zone_as_driver());
            assert_eq!(
                spec["nodeSelector"],
                parsed(profile, SparkRole::Executor)["spec"]["nodeSelector"]
            );
        }
    }

    #[test]
    fn kubernetes_versions_for_zone_pinning() {
        assert!(check_kubernetes_version((1, 31)).is_ok());
        assert!(check_kubernetes_version((1, 33)).is_ok());
        let why = check_kubernetes_version((1, 30)).unwrap_err();
        assert!(why.contains("1.31 or newer"), "{why}");
    }
}
