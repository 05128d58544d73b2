//! Terraform's plugin protocol, ours end to end: the generated tfplugin6
//! service, go-plugin's handshake and mutual TLS, the cty value codec, schema
//! types, diagnostics with attribute paths, and the dispatch of each RPC to
//! the provider or resource it names. Nothing here knows about AWS.
//!
//! `main` calls [`prepare_process`] before starting any thread, then
//! [`serve`] inside the Tokio runtime with the provider.

pub mod action;
mod controller;
pub mod cty;
pub mod data_source;
pub mod diagnostics;
pub mod ephemeral;
mod handshake;
pub mod identity;
pub mod list;
mod listener;
pub mod proto;
pub mod provider;
pub mod resource;
pub mod schema;
pub mod serde_bridge;
mod server;
pub mod service;
pub mod stop;
mod tls;
pub mod value;
pub mod wire;

pub use diagnostics::{AttributePath, Diagnostic, Diagnostics};
pub use server::{prepare_process, serve};
pub use value::Value;
