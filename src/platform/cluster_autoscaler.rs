//! Kubernetes manifests of Cluster Autoscaler with AWS auto-discovery. Its
//! AWS permissions come from EKS Pod Identity (an association for the
//! service account below with `iam_documents::cluster_autoscaler_policy`),
//! so the service account carries no role annotation.

use serde_json::{json, Value};

use super::compute::ControllerNodes;

pub const DEFAULT_NAMESPACE: &str = "kube-system";
pub const DEFAULT_SERVICE_ACCOUNT: &str = "cluster-autoscaler";

/// Name of the roles, bindings, deployment and leader-election lease.
const NAME: &str = "cluster-autoscaler";

/// The Cluster Autoscaler release for a Kubernetes version: its minor
/// version follows Kubernetes', and `.0` of each minor is always published.
pub fn image_for(kubernetes_version: (u32, u32)) -> String {
    let (major, minor) = kubernetes_version;
    format!("registry.k8s.io/autoscaling/cluster-autoscaler:v{major}.{minor}.0")
}

/// ServiceAccount, ClusterRole, ClusterRoleBinding, Role, RoleBinding and
/// Deployment, in the order they should be applied.
pub fn manifests(
    cluster_name: &str,
    region: &str,
    image: &str,
    namespace: &str,
    service_account: &str,
    nodes: ControllerNodes,
) -> Vec<Value> {
    let labels = json!({ "app.kubernetes.io/name": NAME });
    let metadata = |name: &str| json!({ "name": name, "namespace": namespace, "labels": labels });
    let subject =
        json!([{ "kind": "ServiceAccount", "name": service_account, "namespace": namespace }]);
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(service_account),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": { "name": NAME, "labels": labels },
            "rules": cluster_rules(),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": { "name": NAME, "labels": labels },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME },
            "subjects": subject,
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata(NAME),
            "rules": namespace_rules(),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(NAME),
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME },
            "subjects": subject,
        }),
        deployment(
            cluster_name,
            region,
            image,
            namespace,
            service_account,
            &labels,
            nodes,
        ),
    ]
}

fn rule(api_groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({ "apiGroups": api_groups, "resources": resources, "verbs": verbs })
}

fn named_rule(api_groups: &[&str], resources: &[&str], names: &[&str], verbs: &[&str]) -> Value {
    json!({ "apiGroups": api_groups, "resources": resources, "resourceNames": names, "verbs": verbs })
}

/// Cluster-wide: watch what it simulates scheduling for, drain and mark
/// nodes it removes, record events.
fn cluster_rules() -> Vec<Value> {
    let read = ["get", "list", "watch"];
    vec![
        rule(&[""], &["events", "endpoints"], &["create", "patch"]),
        rule(&[""], &["pods/eviction"], &["create"]),
        rule(&[""], &["pods/status"], &["update"]),
        named_rule(&[""], &["endpoints"], &[NAME], &["get", "update"]),
        rule(&[""], &["nodes"], &["get", "list", "watch", "update"]),
        rule(
            &[""],
            &[
                "namespaces",
                "pods",
                "services",
                "replicationcontrollers",
                "persistentvolumeclaims",
                "persistentvolumes",
            ],
            &read,
        ),
        rule(
            &["apps"],
            &["statefulsets", "replicasets", "daemonsets"],
            &read,
        ),
        rule(&["policy"], &["poddisruptionbudgets"], &["list", "watch"]),
        rule(
            &["storage.k8s.io"],
            &[
                "storageclasses",
                "csinodes",
                "csidrivers",
                "csistoragecapacities",
                "volumeattachments",
            ],
            &read,
        ),
        rule(
            &["batch"],
            &["jobs", "cronjobs"],
            &["get", "list", "watch", "patch"],
        ),
    ]
}

/// In its own namespace: its status ConfigMap and its leader-election lease.
fn namespace_rules() -> Vec<Value> {
    vec![
        rule(&[""], &["configmaps"], &["create", "list", "watch"]),
        named_rule(
            &[""],
            &["configmaps"],
            &[
                "cluster-autoscaler-status",
                "cluster-autoscaler-priority-expander",
            ],
            &["delete", "get", "update", "watch"],
        ),
        rule(&["coordination.k8s.io"], &["leases"], &["create"]),
        named_rule(
            &["coordination.k8s.io"],
            &["leases"],
            &[NAME],
            &["get", "update"],
        ),
    ]
}

fn deployment(
    cluster_name: &str,
    region: &str,
    image: &str,
    namespace: &str,
    service_account: &str,
    labels: &Value,
    nodes: ControllerNodes,
) -> Value {
    let command = [
        "./cluster-autoscaler".to_string(),
        "--cloud-provider=aws".to_string(),
        format!("--namespace={namespace}"),
        format!(
            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/{cluster_name}"
        ),
        // Spark executors can run on any of the similar per-AZ groups.
        "--expander=least-waste".to_string(),
        "--balance-similar-node-groups".to_string(),
        // Spark pods use emptyDir and hostPath scratch space; without these
        // flags idle Spark nodes would never be removed.
        "--skip-nodes-with-local-storage=false".to_string(),
        "--skip-nodes-with-system-pods=false".to_string(),
    ];
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": NAME, "namespace": namespace, "labels": labels },
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": labels },
            "template": {
                "metadata": {
                    "labels": labels,
                    // Never evict the autoscaler while it drains a node.
                    "annotations": { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" },
                },
                "spec": {
                    "serviceAccountName": service_account,
                    "priorityClassName": "system-cluster-critical",
                    "nodeSelector": nodes.node_selector(),
                    "tolerations": nodes.tolerations(),
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": 65534,
                        "runAsGroup": 65534,
                        "fsGroup": 65534,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": [{
                        "name": NAME,
                        "image": image,
                        "imagePullPolicy": "IfNotPresent",
                        "command": command,
                        "env": [{ "name": "AWS_REGION", "value": region }],
                        "resources": {
                            "requests": { "cpu": "100m", "memory": "600Mi" },
                            "limits": { "memory": "600Mi" },
                        },
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "capabilities": { "drop": ["ALL"] },
                        },
                    }],
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Value> {
        manifests(
            "analytics",
            "eu-west-1",
            &image_for((1, 31)),
            DEFAULT_NAMESPACE,
            DEFAULT_SERVICE_ACCOUNT,
            ControllerNodes::Tooling,
        )
    }

    fn find<'a>(manifests: &'a [Value], kind: &str) -> &'a Value {
        manifests
            .iter()
            .find(|m| m["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    }

    #[test]
    fn image_follows_the_kubernetes_minor() {
        assert_eq!(
            image_for((1, 31)),
            "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0"
        );
        assert_eq!(
            image_for((1, 33)),
            "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0"
        );
    }

    #[test]
    fn manifests_come_in_apply_order() {
        let kinds: Vec<String> = all()
            .iter()
            .map(|m| m["kind"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            kinds,
            [
                "ServiceAccount",
                "ClusterRole",
                "ClusterRoleBinding",
                "Role",
                "RoleBinding",
                "Deployment"
            ]
        );
    }

    #[test]
    fn bindings_point_at_the_service_account() {
        let manifests = manifests(
            "c",
            "eu-west-1",
            "img",
            "autoscaling",
            "ca",
            ControllerNodes::Tooling,
        );
        assert_eq!(find(&manifests, "ServiceAccount")["metadata"]["name"], "ca");
        for kind in ["ClusterRoleBinding", "RoleBinding"] {
            let subject = &find(&manifests, kind)["subjects"][0];
            assert_eq!(subject["name"], "ca", "{kind}");
            assert_eq!(subject["namespace"], "autoscaling", "{kind}");
        }
        assert_eq!(
            find(&manifests, "Role")["metadata"]["namespace"],
            "autoscaling"
        );
        assert_eq!(find(&manifests, "RoleBinding")["roleRef"]["kind"], "Role");
        assert_eq!(
            find(&manifests, "ClusterRoleBinding")["roleRef"]["kind"],
            "ClusterRole"
        );
        assert_eq!(
            find(&manifests, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"],
            "ca"
        );
    }

    #[test]
    fn cluster_role_can_drain_and_watch() {
        let manifests = all();
        let rules = find(&manifests, "ClusterRole")["rules"]
            .as_array()
            .unwrap()
            .clone();
        let allows = |resource: &str, verb: &str| {
            rules.iter().any(|r| {
                r["resources"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(resource))
                    && r["verbs"].as_array().unwrap().contains(&json!(verb))
                    && r.get("resourceNames").is_none()
            })
        };
        assert!(allows("pods/eviction", "create"));
        assert!(allows("nodes", "update"));
        assert!(allows("pods", "watch"));
        assert!(allows("csinodes", "list"));
        assert!(allows("poddisruptionbudgets", "watch"));
        assert!(!allows("secrets", "get"));
    }

    #[test]
    fn role_covers_status_configmap_and_lease() {
        let manifests = all();
        let rules = find(&manifests, "Role")["rules"].to_string();
        assert!(rules.contains("cluster-autoscaler-status"));
        assert!(rules.contains("leases"));
        assert!(rules.contains("coordination.k8s.io"));
    }

    #[test]
    fn deployment_runs_on_tooling_nodes_with_the_discovery_flags() {
        let manifests = all();
        let deployment = find(&manifests, "Deployment");
        assert_eq!(deployment["spec"]["replicas"], 1);
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(pod["nodeSelector"], json!({"role": "tooling"}));
        assert_eq!(pod["tolerations"], json!([]));
        assert_eq!(pod["priorityClassName"], "system-cluster-critical");
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        let container = &pod["containers"][0];
        assert_eq!(
            container["image"],
            "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0"
        );
        assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(
            container["env"][0],
            json!({"name": "AWS_REGION", "value": "eu-west-1"})
        );
        assert_eq!(container["resources"]["requests"]["memory"], "600Mi");
        let command: Vec<&str> = container["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        for flag in [
            "--cloud-provider=aws",
            "--expander=least-waste",
            "--balance-similar-node-groups",
            "--skip-nodes-with-local-storage=false",
            "--skip-nodes-with-system-pods=false",
            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/analytics",
            "--namespace=kube-system",
        ] {
            assert!(command.contains(&flag), "{flag}");
        }
        // The selector matches the pod labels, or the Deployment is rejected.
        assert_eq!(
            deployment["spec"]["selector"]["matchLabels"],
            deployment["spec"]["template"]["metadata"]["labels"]
        );
    }
}
