//! Amazon S3: the platform's private buckets and the objects it keeps in them.

pub mod bucket;
pub mod object;
