//! The lifecycle of `emreks_node_pool` through the cluster's Kubernetes
//! API: the NodeClass, then each NodePool (server-side apply, so an update
//! is the same call); NodePools a pool no longer has are deleted; destroy
//! deletes the NodePools, then the NodeClass, and waits until Auto Mode
//! lets it go. Objects of the same name that the platform did not make
//! are never changed.

use std::time::Duration;

use serde_json::Value;

use super::facts::{self, not_auto_mode};
use crate::aws::kubernetes::{self, Kube};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::naming::Owner;
use crate::platform::node_pool::{
    self, NodePool, NODE_CLASS_API_VERSION, NODE_CLASS_KIND, NODE_POOL_API_VERSION, NODE_POOL_KIND,
    POOL_LABEL,
};

/// How long Auto Mode may take to drain and terminate a NodeClass's nodes.
const NODE_CLASS_DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// Creates or updates the pool; `previous` are the NodePools the state
/// recorded, of which those the pool no longer has are deleted.
pub async fn apply(
    aws: &Aws,
    platform_id: &str,
    pool: &NodePool,
    previous: &[String],
) -> Result<()> {
    let facts = facts::facts(aws, platform_id).await?;
    if !facts.auto_mode() {
        return Err(not_auto_mode(platform_id));
    }
    let placement = facts.placement(aws, platform_id, &pool.zones)?;
    let kube = kubernetes::connect(aws, &facts.cluster).await?;
    let members = node_pool::members(pool);
    let node_class = node_pool::node_class_manifest(pool, &placement, facts.owner());
    ensure_ours(
        &kube,
        facts.owner(),
        NODE_CLASS_API_VERSION,
        NODE_CLASS_KIND,
        &pool.name,
    )
    .await?;
    for member in &members {
        ensure_ours(
            &kube,
            facts.owner(),
            NODE_POOL_API_VERSION,
            NODE_POOL_KIND,
            &member.name,
        )
        .await?;
    }
    kube.apply(&node_class).await?;
    for member in &members {
        kube.apply(&node_pool::node_pool_manifest(pool, member, facts.owner()))
            .await?;
    }
    for gone in previous
        .iter()
        .filter(|name| !members.iter().any(|m| &m.name == *name))
    {
        delete_if_ours(
            &kube,
            facts.owner(),
            NODE_POOL_API_VERSION,
            NODE_POOL_KIND,
            gone,
        )
        .await?;
    }
    Ok(())
}

/// Deletes the pool's NodePools (those recorded and any other labelled as
/// the pool's) and its NodeClass. A cluster already gone has none.
pub async fn destroy(aws: &Aws, platform_id: &str, name: &str, recorded: &[String]) -> Result<()> {
    let facts = match facts::facts(aws, platform_id).await {
        Ok(facts) => facts,
        Err(Error::Aws { .. }) if cluster_gone(aws, platform_id).await => return Ok(()),
        Err(err) => return Err(err),
    };
    if !facts.auto_mode() {
        // Auto Mode turned off took its node pools with it.
        return Ok(());
    }
    let kube = kubernetes::connect(aws, &facts.cluster).await?;
    let mut names: Vec<String> = recorded.to_vec();
    for object in kube
        .list_labelled(
            NODE_POOL_API_VERSION,
            NODE_POOL_KIND,
            &format!("{POOL_LABEL}={name}"),
        )
        .await?
    {
        if let Some(found) = object["metadata"]["name"].as_str() {
            if !names.iter().any(|n| n == found) {
                names.push(found.to_string());
            }
        }
    }
    for member in &names {
        delete_if_ours(
            &kube,
            facts.owner(),
            NODE_POOL_API_VERSION,
            NODE_POOL_KIND,
            member,
        )
        .await?;
    }
    if let Some(class) = kube
        .get(NODE_CLASS_API_VERSION, NODE_CLASS_KIND, None, name)
        .await?
    {
        if !node_pool::owned_by(&class, facts.owner()) {
            return Ok(());
        }
        kube.delete_and_wait(
            NODE_CLASS_API_VERSION,
            NODE_CLASS_KIND,
            name,
            NODE_CLASS_DELETE_TIMEOUT,
        )
        .await?;
    }
    Ok(())
}

async fn cluster_gone(aws: &Aws, platform_id: &str) -> bool {
    matches!(
        crate::aws::eks::cluster::find_cluster(aws, platform_id).await,
        Ok(None)
    )
}

fn check_owner(object: &Value, owner: &Owner, kind: &str, name: &str) -> Result<()> {
    if node_pool::owned_by(object, owner) {
        return Ok(());
    }
    Err(Error::NotOurs {
        resource: format!("{kind} \"{name}\""),
        platform: owner.marker(),
        owner: object["metadata"]["annotations"][node_pool::OWNER_ANNOTATION]
            .as_str()
            .map(str::to_string),
    })
}

/// An object of that name, if there is one, must be the platform's.
async fn ensure_ours(
    kube: &Kube,
    owner: &Owner,
    api_version: &str,
    kind: &str,
    name: &str,
) -> Result<()> {
    match kube.get(api_version, kind, None, name).await? {
        Some(object) => check_owner(&object, owner, kind, name),
        None => Ok(()),
    }
}

/// Deletes the object when it is the platform's; one of another owner is
/// left alone (never deleted by its name alone).
async fn delete_if_ours(
    kube: &Kube,
    owner: &Owner,
    api_version: &str,
    kind: &str,
    name: &str,
) -> Result<()> {
    if let Some(object) = kube.get(api_version, kind, None, name).await? {
        if node_pool::owned_by(&object, owner) {
            kube.delete(api_version, kind, None, name).await?;
        }
    }
    Ok(())
}
