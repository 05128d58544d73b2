//! The Kubernetes objects the platform writes besides Cluster Autoscaler's
//! (the virtual clusters' namespaces), and how any of them is identified.

use serde_json::{json, Value};

use super::naming::KUBERNETES_MANAGER;

/// (apiVersion, kind, namespace, name) of an object: enough to delete it.
/// A tuple because the private state has always recorded objects so.
pub type ObjectRef = (String, String, Option<String>, String);

/// A namespace of the platform, labelled as the provider's.
pub fn namespace(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": name, "labels": { "app.kubernetes.io/managed-by": KUBERNETES_MANAGER } },
    })
}

/// What identifies the object a manifest describes.
pub fn object_ref(manifest: &Value) -> ObjectRef {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let metadata = manifest.get("metadata");
    (
        text(manifest.get("apiVersion")),
        text(manifest.get("kind")),
        metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .map(str::to_string),
        text(metadata.and_then(|m| m.get("name"))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_labelled_and_identified() {
        let manifest = namespace("batchjob");
        assert_eq!(
            manifest["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "terraform-provider-emreks"
        );
        assert_eq!(
            object_ref(&manifest),
            ("v1".into(), "Namespace".into(), None, "batchjob".into())
        );
        let account = json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": { "name": "cluster-autoscaler", "namespace": "kube-system" },
        });
        assert_eq!(object_ref(&account).2.as_deref(), Some("kube-system"));
    }
}
