//! terraform-provider-emreks: an Apache Spark data platform on Amazon EMR on EKS.

mod aws;
mod emr;
mod kubernetes;
mod logging;
mod plugin_tls;
mod provider;
mod resources;
mod schema;
mod timeouts;
mod validate;

fn main() -> anyhow::Result<()> {
    // Before any thread exists: these edit the environment.
    // tf-provider appends a backtrace to every diagnostic when backtraces are
    // enabled (RUST_BACKTRACE); users should see the message alone. Panics
    // still print theirs.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    let bridge = plugin_tls::prepare()?;
    logging::init();
    // Two TLS crypto backends are linked in (the AWS SDK's and the gRPC
    // server's); rustls needs to be told which one to use.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let serve = tf_provider::serve("emreks", provider::EmrEksProvider::default());
        match bridge {
            Some(bridge) => bridge.run(serve).await,
            None => serve.await,
        }
    })
}
