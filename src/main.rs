//! terraform-provider-emreks: an Apache Spark data platform on Amazon EMR on EKS.
//!
//! Floors, top down: `provider` (its configuration, the resources it
//! serves), `resources` (one folder per resource: schema, plan, apply,
//! read), `aws` (one file per AWS object), with the domain (`platform`),
//! the protocol (`plugin`) and the one error type (`error`) beneath.

mod aws;
mod error;
mod logging;
mod platform;
mod plugin;
mod provider;
mod resources;

use std::time::Duration;

fn main() -> anyhow::Result<()> {
    // First, before any thread: the handshake checks and signal set-up.
    let process = plugin::prepare_process()?;
    logging::init();
    // rustls needs to be told which crypto backend the AWS SDK and kube use.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    // One thread: the provider waits on AWS and Terraform, it does not
    // compute, and a single thread keeps one malloc arena and one stack
    // resident instead of one per core.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(plugin::serve(
        process,
        plugin::service::Service::new(provider::EmrEksProvider::default()),
    ));
    // go-plugin kills the process 2 s after Shutdown; leave before that.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served
}
