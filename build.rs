//! Generates the gRPC code for Terraform's plugin protocol (tfplugin6) and
//! go-plugin's services from the definitions under `proto/`.
//!
//! The binary includes only the server side (`$OUT_DIR/*.rs`, through
//! `src/plugin/proto.rs`). Client stubs for the same services go to
//! `$OUT_DIR/client/`, which only the integration tests `include!`, so no
//! client code is compiled into the provider.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "proto/tfplugin6.proto",
    "proto/go_plugin/grpc_controller.proto",
    "proto/go_plugin/grpc_stdio.proto",
    "proto/go_plugin/grpc_broker.proto",
    "proto/grpc_health_v1.proto",
];
/// Imported well-known types, kept here so `protoc` alone suffices.
const IMPORTED: &[&str] = &[
    "proto/google/protobuf/timestamp.proto",
    "proto/google/protobuf/empty.proto",
];
const INCLUDES: &[&str] = &["proto", "proto/go_plugin"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS.iter().chain(IMPORTED) {
        println!("cargo:rerun-if-changed={proto}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    tonic_build::configure()
        .build_server(true)
        .build_client(false)
        .build_transport(false)
        .compile_protos(PROTOS, INCLUDES)?;

    let client_dir = PathBuf::from(std::env::var("OUT_DIR")?).join("client");
    std::fs::create_dir_all(&client_dir)?;
    tonic_build::configure()
        .build_server(false)
        .build_client(true)
        .build_transport(false)
        .out_dir(client_dir)
        .compile_protos(PROTOS, INCLUDES)?;
    Ok(())
}
