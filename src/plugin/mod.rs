//! Terraform's plugin protocol, served by this provider itself: go-plugin's
//! handshake and AutoMTLS, the gRPC server for `tfplugin6.Provider` and
//! go-plugin's own services.
//!
//! `main` calls [`prepare_process`] before starting any thread, then
//! [`serve`] inside the Tokio runtime with its implementation of
//! [`proto::tfplugin6::provider_server::Provider`].

mod controller;
mod handshake;
mod listener;
pub mod proto;
mod server;
mod tls;

pub use server::{prepare_process, serve};
