//! Private, encrypted S3 buckets: made with every public path closed,
//! versioned or not, adopted when this account has one of the name
//! already, retagged, emptied and deleted.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete,
    ObjectIdentifier, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
    VersioningConfiguration,
};
use aws_smithy_types::error::operation::BuildError;

use serde_json::Value as Json;

use crate::aws::Aws;
use crate::error::{AwsContext, Error, Result};

/// DeleteObjects takes at most this many keys per request.
const DELETE_BATCH: usize = 1000;
/// Emptying is retried when objects appear between the last listing and
/// DeleteBucket (a writer still running); past that the failure is reported.
const EMPTY_ATTEMPTS: u32 = 3;

pub(super) fn resource(bucket: &str) -> String {
    format!("S3 bucket \"{bucket}\"")
}

fn build_error(operation: &str, bucket: &str, err: BuildError) -> Error {
    Error::aws_message(operation, resource(bucket), err.to_string())
}

/// HeadBucket and HeadObject answer a bare 404, which the SDK codes `NotFound`.
pub(super) fn is_missing(err: &Error) -> bool {
    err.is_not_found() || matches!(err.code(), Some("NotFound" | "NoSuchKey"))
}

/// The S3 tag set of `tags`.
fn tag_set(bucket: &str, tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, Error> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()
        .map_err(|e| build_error("s3:PutBucketTagging", bucket, e))
}

/// Whether a bucket keeps every version of its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Versioning {
    Off,
    On,
}

/// Creates `bucket` (or adopts it when this account already owns it) and
/// locks it down: owner-enforced ownership (no ACLs), all public access
/// blocked, SSE-S3 default encryption with a bucket key, TLS-only policy,
/// `versioning`, tags; `tls_policy` is the bucket policy that refuses
/// plain HTTP. `*created` turns true as soon as the bucket exists, so a
/// failure in a later step still leaves a record of it to delete.
pub async fn create_private(
    aws: &Aws,
    bucket: &str,
    tags: &BTreeMap<String, String>,
    tls_policy: &Json,
    versioning: Versioning,
    created: &mut bool,
) -> Result<()> {
    let adopted = create_bucket(aws, bucket).await?;
    *created = true;
    enforce_owner(aws, bucket).await?;
    block_public_access(aws, bucket).await?;
    encrypt_by_default(aws, bucket).await?;
    require_tls(aws, bucket, tls_policy).await?;
    match versioning {
        Versioning::On => enable_versioning(aws, bucket).await?,
        Versioning::Off if adopted => suspend_versioning(aws, bucket).await?,
        Versioning::Off => {}
    }
    retag_bucket(aws, bucket, tags).await
}

/// Creates the bucket; true when it already existed in this account (a
/// retried create that got as far as the bucket, adopted as is).
async fn create_bucket(aws: &Aws, bucket: &str) -> Result<bool> {
    // us-east-1 is S3's default location and refuses being named as one.
    let location = (aws.region != "us-east-1").then(|| {
        CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
            .build()
    });
    let sent = aws
        .s3
        .create_bucket()
        .bucket(bucket)
        .set_create_bucket_configuration(location)
        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
        .send()
        .await
        .context("s3:CreateBucket", resource(bucket));
    match sent {
        Ok(_) => Ok(false),
        Err(err) if err.has_code("BucketAlreadyOwnedByYou") => Ok(true),
        Err(err) => Err(err),
    }
}

async fn enforce_owner(aws: &Aws, bucket: &str) -> Result<()> {
    let op = "s3:PutBucketOwnershipControls";
    let rule = OwnershipControlsRule::builder()
        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
        .build()
        .map_err(|e| build_error(op, bucket, e))?;
    let controls = OwnershipControls::builder()
        .rules(rule)
        .build()
        .map_err(|e| build_error(op, bucket, e))?;
    aws.s3
        .put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(controls)
        .send()
        .await
        .context(op, resource(bucket))?;
    Ok(())
}

async fn block_public_access(aws: &Aws, bucket: &str) -> Result<()> {
    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    aws.s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(block)
        .send()
        .await
        .context("s3:PutPublicAccessBlock", resource(bucket))?;
    Ok(())
}

async fn encrypt_by_default(aws: &Aws, bucket: &str) -> Result<()> {
    let op = "s3:PutBucketEncryption";
    let sse = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|e| build_error(op, bucket, e))?;
    // The bucket key saves a KMS call per object should the bucket ever move to SSE-KMS.
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(sse)
        .bucket_key_enabled(true)
        .build();
    let config = ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(|e| build_error(op, bucket, e))?;
    aws.s3
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .context(op, resource(bucket))?;
    Ok(())
}

async fn require_tls(aws: &Aws, bucket: &str, policy: &Json) -> Result<()> {
    aws.s3
        .put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .context("s3:PutBucketPolicy", resource(bucket))?;
    Ok(())
}

/// Turns versioning on (again, for a bucket that has it already).
pub async fn enable_versioning(aws: &Aws, bucket: &str) -> Result<()> {
    put_versioning(aws, bucket, BucketVersioningStatus::Enabled).await
}

/// A new bucket is unversioned already. An adopted one may have had
/// versioning turned on since; suspending it is the only "off" S3 knows
/// (a bucket never returns to "unversioned").
async fn suspend_versioning(aws: &Aws, bucket: &str) -> Result<()> {
    put_versioning(aws, bucket, BucketVersioningStatus::Suspended).await
}

async fn put_versioning(aws: &Aws, bucket: &str, status: BucketVersioningStatus) -> Result<()> {
    aws.s3
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .context("s3:PutBucketVersioning", resource(bucket))?;
    Ok(())
}

/// Whether the bucket exists. A bucket of another account is an error
/// (403), not a "no": its name is taken all the same.
pub async fn bucket_exists(aws: &Aws, bucket: &str) -> Result<bool> {
    let sent = aws
        .s3
        .head_bucket()
        .bucket(bucket)
        .send()
        .await
        .context("s3:HeadBucket", resource(bucket));
    match sent {
        Ok(_) => Ok(true),
        Err(err) if is_missing(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Empties the bucket (every object version and delete marker) and deletes
/// it. A bucket that is already gone is success.
pub async fn delete_bucket(aws: &Aws, bucket: &str) -> Result<()> {
    let mut attempt = 1;
    loop {
        if let Err(err) = empty(aws, bucket).await {
            return if is_missing(&err) { Ok(()) } else { Err(err) };
        }
        let deleted = aws
            .s3
            .delete_bucket()
            .bucket(bucket)
            .send()
            .await
            .context("s3:DeleteBucket", resource(bucket));
        match deleted {
            Ok(_) => return Ok(()),
            Err(err) if is_missing(&err) => return Ok(()),
            Err(err) if err.has_code("BucketNotEmpty") && attempt < EMPTY_ATTEMPTS => {
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// Deletes every version and delete marker, one listing page at a time.
async fn empty(aws: &Aws, bucket: &str) -> Result<()> {
    let mut key_marker: Option<String> = None;
    let mut version_marker: Option<String> = None;
    loop {
        let page = aws
            .s3
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .context("s3:ListObjectVersions", resource(bucket))?;
        let versions = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            );
        let ids = object_identifiers(bucket, versions)?;
        for batch in ids.chunks(DELETE_BATCH) {
            delete_batch(aws, bucket, batch.to_vec()).await?;
        }
        if page.is_truncated() != Some(true) {
            return Ok(());
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
        if key_marker.is_none() && version_marker.is_none() {
            return Ok(());
        }
    }
}

fn object_identifiers<'a>(
    bucket: &str,
    versions: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> Result<Vec<ObjectIdentifier>> {
    versions
        .filter_map(|(key, version)| key.map(|key| (key, version)))
        .map(|(key, version)| {
            ObjectIdentifier::builder()
                .key(key)
                .set_version_id(version.map(str::to_string))
                .build()
                .map_err(|e| build_error("s3:DeleteObjects", bucket, e))
        })
        .collect()
}

async fn delete_batch(aws: &Aws, bucket: &str, objects: Vec<ObjectIdentifier>) -> Result<()> {
    let op = "s3:DeleteObjects";
    // Quiet: the response then lists only the failures.
    let delete = Delete::builder()
        .set_objects(Some(objects))
        .quiet(true)
        .build()
        .map_err(|e| build_error(op, bucket, e))?;
    let out = aws
        .s3
        .delete_objects()
        .bucket(bucket)
        .delete(delete)
        .send()
        .await
        .context(op, resource(bucket))?;
    // DeleteObjects succeeds as a whole even when single keys fail.
    match out.errors().first() {
        None => Ok(()),
        Some(failed) => Err(Error::aws_message(
            op,
            format!("s3://{bucket}/{}", failed.key().unwrap_or_default()),
            format!(
                "{}: {} ({} of the batch failed)",
                failed.code().unwrap_or("error"),
                failed.message().unwrap_or_default(),
                out.errors().len()
            ),
        )),
    }
}

/// Replaces the bucket's tags with `tags` (S3 only sets whole tag sets).
pub async fn retag_bucket(aws: &Aws, bucket: &str, tags: &BTreeMap<String, String>) -> Result<()> {
    if tags.is_empty() {
        // S3 refuses an empty tag set; deleting the tagging is its "none".
        aws.s3
            .delete_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .context("s3:DeleteBucketTagging", resource(bucket))?;
        return Ok(());
    }
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_set(bucket, tags)?))
        .build()
        .map_err(|e| build_error("s3:PutBucketTagging", bucket, e))?;
    aws.s3
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .context("s3:PutBucketTagging", resource(bucket))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_404s_count_as_missing() {
        let err = Error::aws_coded("s3:HeadBucket", "b", "NotFound", "gone");
        assert!(is_missing(&err));
        let err = Error::aws_coded("s3:HeadBucket", "b", "Forbidden", "gone");
        assert!(!is_missing(&err));
    }

    #[test]
    fn versions_without_a_key_are_skipped() {
        let ids = object_identifiers(
            "b",
            [
                (Some("k"), Some("v1")),
                (None, Some("v2")),
                (Some("n"), None),
            ]
            .into_iter(),
        )
        .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].version_id(), Some("v1"));
        assert_eq!(ids[1].version_id(), None);
    }
}
