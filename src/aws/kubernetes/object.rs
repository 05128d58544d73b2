//! The Kubernetes objects the provider writes (namespaces; Cluster
//! Autoscaler's and AWS Load Balancer Controller's service accounts, RBAC,
//! deployments, secret, ingress class and custom resource definitions; Auto
//! Mode's node pools and node classes): server-side apply, look up, list by
//! label, delete, and delete and wait until the object is gone.

use std::time::Duration;

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersionKind;
use serde_json::Value;

use super::client::Kube;
use crate::aws::wait::{self, Backoff, Poll};
use crate::error::{Error, Result};

/// Who owns the fields the provider sets with server-side apply.
const FIELD_MANAGER: &str = "terraform-provider-emreks";

const RBAC: &str = "rbac.authorization.k8s.io";
/// The kinds the provider writes: (kind, API group, plural, namespaced).
const KINDS: &[(&str, &str, &str, bool)] = &[
    ("Namespace", "", "namespaces", false),
    ("ServiceAccount", "", "serviceaccounts", true),
    ("ConfigMap", "", "configmaps", true),
    ("Secret", "", "secrets", true),
    ("ClusterRole", RBAC, "clusterroles", false),
    ("ClusterRoleBinding", RBAC, "clusterrolebindings", false),
    ("Role", RBAC, "roles", true),
    ("RoleBinding", RBAC, "rolebindings", true),
    ("Deployment", "apps", "deployments", true),
    ("IngressClass", "networking.k8s.io", "ingressclasses", false),
    (
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        false,
    ),
    // EKS Auto Mode's: a Karpenter node pool and the node class it uses.
    ("NodePool", "karpenter.sh", "nodepools", false),
    ("NodeClass", "eks.amazonaws.com", "nodeclasses", false),
];

impl Kube {
    /// The API of `kind`, scoped to the namespace when the kind lives in one.
    async fn api(
        &self,
        operation: &str,
        resource: &str,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<Api<DynamicObject>> {
        let fail = |message: String| Error::kubernetes(operation, resource, message);
        let (group, plural, namespaced) = kind_info(kind).map_err(fail)?;
        let (api_group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        if api_group != group || version.is_empty() {
            return Err(fail(format!(
                "apiVersion {api_version:?} is not one of {kind}'s"
            )));
        }
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let api_resource = ApiResource::from_gvk_with_plural(&gvk, plural);
        let client = self.client().await?;
        match (namespaced, namespace) {
            (true, Some(namespace)) => Ok(Api::namespaced_with(client, namespace, &api_resource)),
            (true, None) => Err(fail(format!("a {kind} needs metadata.namespace"))),
            (false, _) => Ok(Api::all_with(client, &api_resource)),
        }
    }

    /// Creates or updates the object (server-side apply, taking over fields
    /// other managers set: Terraform's configuration is the source of truth).
    pub async fn apply(&self, manifest: &Value) -> Result<()> {
        let (api_version, kind) = (text(manifest, "apiVersion"), text(manifest, "kind"));
        let metadata = manifest.get("metadata");
        let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str);
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str);
        let resource = self.describe(kind, namespace, name.unwrap_or_default());
        let name = name.ok_or_else(|| {
            Error::kubernetes("k8s:apply", &resource, "the manifest has no metadata.name")
        })?;
        let params = PatchParams::apply(FIELD_MANAGER).force();
        self.retrying("k8s:apply", &resource, || async {
            let api = self
                .api("k8s:apply", &resource, api_version, kind, namespace)
                .await?;
            Ok(api.patch(name, &params, &Patch::Apply(manifest)).await)
        })
        .await
        .map(drop)
    }

    pub async fn exists(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<bool> {
        let resource = self.describe(kind, namespace, name);
        self.retrying("k8s:get", &resource, || async {
            let api = self
                .api("k8s:get", &resource, api_version, kind, namespace)
                .await?;
            Ok(api.get_opt(name).await)
        })
        .await
        .map(|found| found.is_some())
    }

    /// The object as the API serves it; `None` when there is none.
    pub async fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>> {
        let resource = self.describe(kind, namespace, name);
        let found = self
            .retrying("k8s:get", &resource, || async {
                let api = self
                    .api("k8s:get", &resource, api_version, kind, namespace)
                    .await?;
                Ok(api.get_opt(name).await)
            })
            .await?;
        found
            .map(|object| {
                serde_json::to_value(object).map_err(|e| {
                    Error::kubernetes("k8s:get", &resource, format!("unreadable object: {e}"))
                })
            })
            .transpose()
    }

    /// The cluster-scoped objects of a kind carrying the labels of
    /// `selector` (`key=value,...`); every page.
    pub async fn list_labelled(
        &self,
        api_version: &str,
        kind: &str,
        selector: &str,
    ) -> Result<Vec<Value>> {
        let resource = format!("{kind}s labelled {selector}");
        let mut objects = Vec::new();
        let mut params = ListParams::default().labels(selector).limit(100);
        loop {
            let page = self
                .retrying("k8s:list", &resource, || async {
                    let api = self
                        .api("k8s:list", &resource, api_version, kind, None)
                        .await?;
                    Ok(api.list(&params).await)
                })
                .await?;
            for object in &page.items {
                objects.push(serde_json::to_value(object).map_err(|e| {
                    Error::kubernetes("k8s:list", &resource, format!("unreadable object: {e}"))
                })?);
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(objects),
            }
        }
    }

    /// Deletes the object and waits until it is gone: a finalizer may keep
    /// it (an Auto Mode NodeClass stays while its nodes drain).
    pub async fn delete_and_wait(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<()> {
        self.delete(api_version, kind, None, name).await?;
        let resource = self.describe(kind, None, name);
        wait::until("k8s:delete", &resource, timeout, Backoff::FAST, || async {
            Ok(if self.exists(api_version, kind, None, name).await? {
                Poll::Pending("being deleted".into())
            } else {
                Poll::Ready(())
            })
        })
        .await
    }

    /// Deletes the object; one already gone is deleted. Dependents (a
    /// deployment's pods) are removed in the background.
    pub async fn delete(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<()> {
        let resource = self.describe(kind, namespace, name);
        let params = DeleteParams::background();
        self.retrying("k8s:delete", &resource, || async {
            let api = self
                .api("k8s:delete", &resource, api_version, kind, namespace)
                .await?;
            Ok(match api.delete(name, &params).await {
                Err(kube::Error::Api(status)) if status.is_not_found() => Ok(()),
                other => other.map(drop),
            })
        })
        .await
    }

    /// Deletes the namespace and waits until it is gone: Kubernetes deletes
    /// what it holds first, and a namespace of the same name cannot be made
    /// (by a later apply) until then.
    pub async fn delete_namespace_and_wait(&self, name: &str, timeout: Duration) -> Result<()> {
        self.delete("v1", "Namespace", None, name).await?;
        let resource = self.describe("Namespace", None, name);
        wait::until("k8s:delete", &resource, timeout, Backoff::FAST, || async {
            Ok(if self.exists("v1", "Namespace", None, name).await? {
                Poll::Pending("Terminating".into())
            } else {
                Poll::Ready(())
            })
        })
        .await
    }
}

/// (API group, plural, namespaced) of a kind the provider writes.
fn kind_info(kind: &str) -> Result<(&'static str, &'static str, bool), String> {
    KINDS
        .iter()
        .find(|(known, ..)| *known == kind)
        .map(|&(_, group, plural, namespaced)| (group, plural, namespaced))
        .ok_or_else(|| format!("the provider does not manage Kubernetes objects of kind {kind:?}"))
}

fn text<'a>(manifest: &'a Value, field: &str) -> &'a str {
    manifest
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_their_api() {
        assert_eq!(kind_info("Namespace"), Ok(("", "namespaces", false)));
        assert_eq!(kind_info("Deployment"), Ok(("apps", "deployments", true)));
        assert_eq!(
            kind_info("ClusterRoleBinding"),
            Ok(("rbac.authorization.k8s.io", "clusterrolebindings", false))
        );
        let unknown = kind_info("CronJob").err().unwrap_or_default();
        assert!(unknown.contains("\"CronJob\""), "{unknown}");
    }
}
