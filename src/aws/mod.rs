//! The ground floor: every AWS object the provider touches, one file each
//! with its finders, `ensure` or `create`, waiters and an idempotent
//! `delete` side by side (`eks/cluster.rs`, `iam/role.rs`, ...), the clients
//! and their settings, and the client of a cluster's Kubernetes API. Lists
//! follow every page; a finder answers `None` for an object that is not
//! there. Nothing here knows Terraform or the platform's domain: callers
//! hand in names, documents and tags.

pub mod autoscaling;
pub mod client;
pub mod config;
pub mod ec2;
pub mod eks;
pub mod emr;
pub mod emrcontainers;
pub mod iam;
pub mod kubernetes;
pub mod logs;
pub mod reads;
pub mod retry;
pub mod s3;
pub mod tags;
pub mod wait;

pub use client::{Aws, SharedAws};
