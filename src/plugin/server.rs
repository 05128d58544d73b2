//! Serving the provider as a go-plugin plugin: process setup before any
//! thread starts, then the socket, TLS, the handshake line (or the reattach
//! instructions in `--debug`), the gRPC server, and its shutdown.

use std::fs::File;
use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::signal::unix::{signal, SignalKind};

use super::controller::{Broker, Controller, HealthCheck, Lifecycle, Stdio};
use super::handshake::{self, Launch, Mode};
use super::listener;
use super::proto::go_plugin::{
    grpc_broker_server::GrpcBrokerServer, grpc_controller_server::GrpcControllerServer,
    grpc_stdio_server::GrpcStdioServer,
};
use super::proto::health::health_server::HealthServer;
use super::proto::tfplugin6::provider_server::{Provider, ProviderServer};
use super::tls;

/// The address Terraform knows this provider by (`source = "emreks/emreks"`).
const PROVIDER_ADDRESS: &str = "registry.terraform.io/emreks/emreks";

/// Terraform sends whole states and plans in one message; terraform-plugin-go
/// accepts up to this much, and so do we (tonic's default is 4 MiB).
const MAX_MESSAGE_BYTES: usize = 256 << 20;
/// After Shutdown, connections get this long to close before we exit anyway;
/// go-plugin kills the process two seconds after Shutdown returns.
const DRAIN_LIMIT: Duration = Duration::from_secs(1);

/// The process, prepared by [`prepare_process`] for [`serve`].
pub struct Process {
    mode: Mode,
    launch: Option<Launch>,
    /// Where the handshake line (or the debug instructions) goes: the real
    /// stdout, which in plugin mode nothing else can write to any more.
    announce: File,
}

/// Call first thing in `main`, before any thread (the Tokio runtime
/// included) exists. It reads the arguments and go-plugin's environment and:
///
/// - without Terraform's magic cookie, prints what this program is and how
///   to use it on stderr and exits with status 1; likewise (with its own
///   message) when Terraform does not offer protocol 6, or passes a client
///   certificate we cannot read; `--help` prints usage and exits with 0;
/// - ignores SIGINT: Ctrl-C in a terminal reaches Terraform's whole process
///   group, and Terraform itself stops the provider (`StopProvider`, then
///   `Shutdown`), as with every go-plugin server. Not in `--debug`, where
///   Ctrl-C is how the developer stops it;
/// - keeps the real stdout for the handshake line and points file
///   descriptor 1 at stderr, so that no stray write to stdout can corrupt
///   the handshake; such writes end up in Terraform's provider log.
pub fn prepare_process() -> Result<Process> {
    let mode = match handshake::parse_args(std::env::args_os().skip(1)) {
        Ok(mode) => mode,
        Err(problem) => {
            eprintln!("{problem}\n\n{}", handshake::USAGE);
            std::process::exit(2);
        }
    };
    match mode {
        Mode::Help => {
            eprintln!("{}", handshake::USAGE);
            std::process::exit(0);
        }
        Mode::Version => {
            print!("{}", handshake::version_text());
            std::process::exit(0);
        }
        Mode::Debug => Ok(Process {
            mode,
            launch: None,
            announce: duplicate_fd(1)?,
        }),
        Mode::Plugin => {
            let launch = match handshake::read_launch(|key| std::env::var_os(key)) {
                Ok(launch) => launch,
                Err(refusal) => {
                    eprintln!("{refusal}");
                    std::process::exit(1);
                }
            };
            // SAFETY: before any thread exists; SIG_IGN is a valid disposition.
            if unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) } == libc::SIG_ERR {
                return Err(std::io::Error::last_os_error()).context("ignoring SIGINT");
            }
            let announce = duplicate_fd(1)?;
            // SAFETY: plain fd call; fd 2 stays open for the process's life.
            if unsafe { libc::dup2(2, 1) } < 0 {
                return Err(std::io::Error::last_os_error()).context("pointing stdout at stderr");
            }
            Ok(Process {
                mode,
                launch: Some(launch),
                announce,
            })
        }
    }
}

/// A close-on-exec duplicate of `fd`, owned.
fn duplicate_fd(fd: i32) -> Result<File> {
    // SAFETY: F_DUPFD_CLOEXEC on an fd number only makes a new descriptor.
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if copy < 0 {
        return Err(std::io::Error::last_os_error()).context("duplicating stdout");
    }
    // SAFETY: `copy` is a fresh descriptor nothing else owns.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(copy) }))
}

/// Serves `provider` until Terraform shuts it down (or, with `--debug`,
/// until Ctrl-C). Returns once the socket is gone; `main` then exits.
pub async fn serve<P: Provider>(process: Process, provider: P) -> Result<()> {
    let Process {
        mode,
        launch,
        mut announce,
    } = process;
    let lifecycle = Lifecycle::new();
    let socket_base = launch.as_ref().and_then(|l| l.socket_dir.clone());
    let (unix_listener, socket_dir) = listener::bind(socket_base.as_deref())?;
    let address = listener::address(socket_dir.socket())?.to_string();
    tracing::debug!(network = "unix", address = %address, "plugin address");

    let tls = match &launch {
        Some(Launch {
            client_cert: Some(client_cert),
            ..
        }) => {
            let identity = tls::ServerIdentity::generate()?;
            let cert = identity.cert.clone();
            Some((tls::server_config(identity, client_cert.clone())?, cert))
        }
        _ => None,
    };

    let announcement = match &launch {
        Some(launch) => {
            if launch.ignored_socket_group {
                tracing::warn!(
                    "PLUGIN_UNIX_SOCKET_GROUP is not supported: the plugin socket stays private to this user"
                );
            }
            if tls.is_none() {
                tracing::warn!(
                    "PLUGIN_CLIENT_CERT is not set (TF_DISABLE_PLUGIN_TLS?): serving without TLS, \
                     on a Unix socket only this user can reach"
                );
            }
            let cert = tls.as_ref().map(|(_, cert)| cert.as_ref());
            let line =
                handshake::handshake_line("unix", &address, cert, launch.multiplex_requested)
                    .map_err(anyhow::Error::msg)?;
            format!("{line}\n")
        }
        None => debug_instructions(&address),
    };

    match mode {
        Mode::Debug => stop_on_signals(
            &lifecycle,
            &[SignalKind::interrupt(), SignalKind::terminate()],
        )?,
        _ => {
            stop_on_signals(&lifecycle, &[SignalKind::terminate()])?;
            log_ignored_interrupts()?;
        }
    }

    let incoming = listener::incoming(
        unix_listener,
        tls.map(|(config, _)| config),
        lifecycle.subscribe(),
    );
    let server = tonic::transport::Server::builder()
        .add_service(
            ProviderServer::new(provider)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(GrpcControllerServer::new(Controller(lifecycle.clone())))
        .add_service(GrpcStdioServer::new(Stdio(lifecycle.clone())))
        .add_service(GrpcBrokerServer::new(Broker(lifecycle.clone())))
        .add_service(HealthServer::new(HealthCheck(lifecycle.clone())))
        .serve_with_incoming_shutdown(incoming, lifecycle.stopped());

    // The listener is bound and accepting: now Terraform may connect.
    announce
        .write_all(announcement.as_bytes())
        .and_then(|()| announce.flush())
        .context("writing the plugin handshake to stdout")?;

    let stopped = lifecycle.stopped();
    tokio::select! {
        served = server => served.context("serving the provider over gRPC")?,
        () = async { stopped.await; tokio::time::sleep(DRAIN_LIMIT).await } => {
            tracing::warn!("plugin connections still open {DRAIN_LIMIT:?} after shutdown; exiting anyway");
        }
    }
    drop(socket_dir);
    tracing::debug!("plugin server stopped");
    Ok(())
}

/// What `--debug` prints: the reattach value and how to use it.
fn debug_instructions(address: &str) -> String {
    let assignment = handshake::reattach_assignment(PROVIDER_ADDRESS, address, std::process::id());
    format!(
        "terraform-provider-emreks is serving for debugging (pid {pid}), without TLS, on a\n\
         Unix socket only this user can reach. In the shell where you run Terraform:\n\
         \n\
         export {assignment}\n\
         \n\
         then run terraform as usual: it uses this process instead of starting the\n\
         provider, for as many runs as you like. (OpenTofu: use the key\n\
         registry.opentofu.org/emreks/emreks.) Ctrl-C here stops the provider.\n",
        pid = std::process::id(),
    )
}

/// Starts the shutdown when one of `kinds` arrives.
fn stop_on_signals(lifecycle: &Lifecycle, kinds: &[SignalKind]) -> Result<()> {
    for kind in kinds {
        let mut stream = signal(*kind).context("listening for signals")?;
        let lifecycle = lifecycle.clone();
        tokio::spawn(async move {
            if stream.recv().await.is_some() {
                tracing::debug!("signal received: stopping the provider");
                lifecycle.stop();
            }
        });
    }
    Ok(())
}

/// Replaces the SIG_IGN set by [`prepare_process`] with a handler that logs
/// and does nothing else, as go-plugin servers do (a handler, unlike
/// SIG_IGN, is not inherited by programs we might start).
fn log_ignored_interrupts() -> Result<()> {
    let mut interrupts = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            tracing::trace!("interrupt ignored: Terraform stops the provider itself");
        }
    });
    Ok(())
}
