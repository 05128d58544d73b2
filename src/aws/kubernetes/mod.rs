//! A cluster's Kubernetes API, for the few objects no AWS API can make:
//! the client and its EKS token, and the objects the provider writes.

mod client;
mod object;
pub mod token;

pub use client::{connect, Kube};
