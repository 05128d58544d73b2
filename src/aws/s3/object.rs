//! Objects in a bucket: put (always encrypted), read back, look for, delete.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use super::bucket::is_missing;
use crate::aws::Aws;
use crate::error::{AwsContext, Error, NotFound, Result};

fn object_resource(bucket: &str, key: &str) -> String {
    format!("s3://{bucket}/{key}")
}

/// Uploads one object, encrypted with SSE-S3 whatever the bucket's default.
pub async fn put_object(
    aws: &Aws,
    bucket: &str,
    key: &str,
    body: &[u8],
    content_type: &str,
) -> Result<()> {
    aws.s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .content_type(content_type)
        .server_side_encryption(ServerSideEncryption::Aes256)
        .send()
        .await
        .context("s3:PutObject", object_resource(bucket, key))?;
    Ok(())
}

/// The object's bytes; `None` when the object or its bucket is gone.
pub async fn get_object(aws: &Aws, bucket: &str, key: &str) -> Result<Option<Vec<u8>>> {
    let resource = object_resource(bucket, key);
    let object = match aws
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .context("s3:GetObject", &resource)
    {
        Ok(object) => object,
        Err(err) if matches!(err.code(), Some("NoSuchKey" | "NoSuchBucket")) => return Ok(None),
        Err(err) => return Err(err),
    };
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|e| Error::aws_message("s3:GetObject", &resource, e.to_string()))?
        .into_bytes();
    Ok(Some(bytes.to_vec()))
}

/// Whether the object exists (false too when the bucket is gone).
pub async fn object_exists(aws: &Aws, bucket: &str, key: &str) -> Result<bool> {
    let sent = aws
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .context("s3:HeadObject", object_resource(bucket, key));
    match sent {
        Ok(_) => Ok(true),
        Err(err) if is_missing(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Deletes the object; one already gone is deleted.
pub async fn delete_object(aws: &Aws, bucket: &str, key: &str) -> Result<()> {
    aws.s3
        .delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .context("s3:DeleteObject", key)
        .ignore_not_found()
}
