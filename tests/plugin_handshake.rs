//! Runs the provider binary the way Terraform's go-plugin client does: the
//! magic cookie and protocol versions in the environment, a self-signed CA
//! certificate as client certificate (AutoMTLS), the handshake line read
//! from stdout, then gRPC over the Unix socket it names. Also `--debug`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::ClientConfig;
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

/// Client stubs `build.rs` generates for tests only; the tests use a few.
#[allow(dead_code, clippy::all)]
mod client {
    pub mod health {
        include!(concat!(env!("OUT_DIR"), "/client/grpc.health.v1.rs"));
    }
    pub mod go_plugin {
        include!(concat!(env!("OUT_DIR"), "/client/plugin.rs"));
    }
    pub mod tfplugin6 {
        include!(concat!(env!("OUT_DIR"), "/client/tfplugin6.rs"));
    }
}
use client::go_plugin::grpc_controller_client::GrpcControllerClient;
use client::health::{health_check_response::ServingStatus, health_client::HealthClient};
use client::tfplugin6::provider_client::ProviderClient;

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-emreks");
const COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const WAIT: Duration = Duration::from_secs(10);

/// A client certificate made the way go-plugin's client makes Terraform's:
/// self-signed, a CA, ECDSA P-521, for `localhost`.
struct ClientIdentity {
    cert: CertificateDer<'static>,
    key: Vec<u8>,
    pem: String,
}

fn terraform_identity() -> ClientIdentity {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("client key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    name.push(DnType::OrganizationName, "HashiCorp");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("client certificate");
    ClientIdentity {
        cert: cert.der().clone(),
        key: key.serialize_der(),
        pem: cert.pem(),
    }
}

/// The provider process, with its stderr collected in the background.
struct Plugin {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Plugin {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Plugin {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for inherited in [
            COOKIE_KEY,
            "PLUGIN_PROTOCOL_VERSIONS",
            "PLUGIN_CLIENT_CERT",
            "PLUGIN_UNIX_SOCKET_DIR",
            "PLUGIN_UNIX_SOCKET_GROUP",
            "PLUGIN_MULTIPLEX_GRPC",
            "TF_LOG",
        ] {
            command.env_remove(inherited);
        }
        command.env("TF_LOG_PROVIDER", "debug");
        command.envs(env.iter().copied());
        let mut child = command.spawn().expect("starting the provider binary");

        let (line_tx, stdout) = mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().expect("stderr");
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Plugin {
            child,
            stdout,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// As Terraform launches it, with its certificate (or without: TLS off).
    fn managed(client_pem: Option<&str>) -> Plugin {
        let mut env = vec![
            (COOKIE_KEY, COOKIE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_MIN_PORT", "10000"),
            ("PLUGIN_MAX_PORT", "25000"),
        ];
        if let Some(pem) = client_pem {
            env.push(("PLUGIN_CLIENT_CERT", pem));
        }
        Plugin::start(&[], &env)
    }

    fn next_stdout_line(&self) -> String {
        match self.stdout.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(_) => panic!("no line on stdout; stderr:\n{}", self.stderr()),
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// All of stderr, once the process has closed it (exited).
    fn final_stderr(&mut self) -> String {
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        self.stderr()
    }

    /// Whether `needle` shows up in the provider's log within a while.
    fn logs(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.stderr().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("waiting") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }
}

impl Drop for Plugin {
    /// SIGTERM first, so that the provider removes its socket directory.
    fn drop(&mut self) {
        if let (Ok(None), Ok(pid)) = (self.child.try_wait(), i32::try_from(self.child.id())) {
            // SAFETY: kill(2) on our own child's pid.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            if self.wait(Duration::from_secs(2)).is_none() {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

/// The handshake line's fields, checked as go-plugin's client checks them.
struct Handshake {
    socket: PathBuf,
    server_cert: Option<CertificateDer<'static>>,
}

fn parse_handshake(line: &str) -> Handshake {
    let parts: Vec<&str> = line.split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line {line:?}");
    assert_eq!(parts[0], "1", "core protocol");
    assert_eq!(parts[1], "6", "plugin protocol");
    assert_eq!(parts[2], "unix", "network");
    assert_eq!(parts[4], "grpc", "protocol");
    let server_cert = (!parts[5].is_empty()).then(|| {
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("the certificate is unpadded base64");
        CertificateDer::from(der)
    });
    Handshake {
        socket: PathBuf::from(parts[3]),
        server_cert,
    }
}

/// A TLS client configured like go-plugin's: the server certificate from the
/// handshake as the only root, the name `localhost`, and `presented` (if
/// any) as client certificate.
fn tls_client(
    server_cert: &CertificateDer<'static>,
    presented: Option<&ClientIdentity>,
) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(server_cert.clone())
        .expect("server certificate as root");
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let mut config = match presented {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.cert.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key.clone())),
            )
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// A gRPC channel over the plugin's Unix socket, through TLS when given.
async fn channel(socket: &Path, tls: Option<Arc<ClientConfig>>) -> anyhow::Result<Channel> {
    let socket = socket.to_path_buf();
    // The URI is required by the API and unused: the connector dials the socket.
    let endpoint = Endpoint::from_static("http://localhost").connect_timeout(WAIT);
    let channel = match tls {
        None => {
            endpoint
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let socket = socket.clone();
                    async move { UnixStream::connect(socket).await.map(TokioIo::new) }
                }))
                .await?
        }
        Some(config) => {
            endpoint
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let socket = socket.clone();
                    let connector = tokio_rustls::TlsConnector::from(config.clone());
                    async move {
                        let stream = UnixStream::connect(socket).await?;
                        let name = ServerName::try_from("localhost").expect("name");
                        connector.connect(name, stream).await.map(TokioIo::new)
                    }
                }))
                .await?
        }
    };
    Ok(channel)
}

/// go-plugin's ping: the health of the service named "plugin".
async fn ping(channel: Channel) -> anyhow::Result<i32> {
    let request = client::health::HealthCheckRequest {
        service: "plugin".into(),
    };
    let answer = tokio::time::timeout(WAIT, HealthClient::new(channel).check(request)).await??;
    Ok(answer.into_inner().status)
}

/// True when a client presenting `presented` gets any RPC answered.
async fn answered(handshake: &Handshake, presented: Option<&ClientIdentity>) -> bool {
    let server_cert = handshake.server_cert.as_ref().expect("a TLS handshake");
    match channel(&handshake.socket, Some(tls_client(server_cert, presented))).await {
        Ok(channel) => ping(channel).await.is_ok(),
        Err(_) => false,
    }
}

async fn shut_down(plugin: &mut Plugin, channel: Channel) {
    GrpcControllerClient::new(channel)
        .shutdown(client::go_plugin::Empty {})
        .await
        .expect("Shutdown answered");
    // go-plugin kills the plugin two seconds after Shutdown returns.
    let status = plugin.wait(Duration::from_secs(2));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit after Shutdown: {status:?}; stderr:\n{}",
        plugin.stderr()
    );
}

#[test]
fn without_the_cookie_it_explains_and_exits_1() {
    let mut plugin = Plugin::start(&[], &[]);
    let status = plugin.wait(WAIT).expect("exits");
    assert_eq!(status.code(), Some(1));
    let stderr = plugin.final_stderr();
    assert!(stderr.contains("Terraform provider plugin"), "{stderr}");
    assert!(stderr.contains("terraform init"), "{stderr}");
    assert!(stderr.contains("--debug"), "{stderr}");
    assert!(
        plugin.stdout.recv_timeout(WAIT).is_err(),
        "nothing on stdout"
    );
}

#[test]
fn refuses_a_host_without_protocol_6() {
    let mut plugin = Plugin::start(
        &[],
        &[(COOKIE_KEY, COOKIE), ("PLUGIN_PROTOCOL_VERSIONS", "5")],
    );
    let status = plugin.wait(WAIT).expect("exits");
    assert_eq!(status.code(), Some(1));
    let stderr = plugin.final_stderr();
    assert!(stderr.contains("protocol 6"), "{stderr}");
    assert!(stderr.contains("version(s) 5"), "{stderr}");
    assert!(
        plugin.stdout.recv_timeout(WAIT).is_err(),
        "nothing on stdout"
    );
}

#[tokio::test]
async fn serves_terraform_over_mutual_tls_then_shuts_down() {
    let terraform = terraform_identity();
    let mut plugin = Plugin::managed(Some(&terraform.pem));
    let handshake = parse_handshake(&plugin.next_stdout_line());
    let server_cert = handshake.server_cert.clone().expect("a server certificate");
    let dir = handshake.socket.parent().expect("socket directory");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o700, "private socket directory");

    let channel = channel(
        &handshake.socket,
        Some(tls_client(&server_cert, Some(&terraform))),
    )
    .await
    .expect("TLS connection with Terraform's certificate");
    assert_eq!(
        ping(channel.clone()).await.unwrap(),
        ServingStatus::Serving as i32
    );
    ProviderClient::new(channel.clone())
        .get_provider_schema(client::tfplugin6::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema answered");

    // Ctrl-C in Terraform's terminal reaches the provider too: ignored.
    plugin.signal(libc::SIGINT);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        ping(channel.clone()).await.unwrap(),
        ServingStatus::Serving as i32
    );

    shut_down(&mut plugin, channel).await;
    assert!(!dir.exists(), "socket directory removed");
    assert!(
        plugin.stdout.recv_timeout(WAIT).is_err(),
        "nothing on stdout after the handshake line"
    );
}

#[tokio::test]
async fn refuses_another_client_certificate() {
    let terraform = terraform_identity();
    let plugin = Plugin::managed(Some(&terraform.pem));
    let handshake = parse_handshake(&plugin.next_stdout_line());
    assert!(!answered(&handshake, Some(&terraform_identity())).await);
    assert!(plugin.logs("refused a plugin connection"));
    // Terraform itself still gets through.
    assert!(answered(&handshake, Some(&terraform)).await);
}

#[tokio::test]
async fn refuses_a_client_without_certificate() {
    let terraform = terraform_identity();
    let plugin = Plugin::managed(Some(&terraform.pem));
    let handshake = parse_handshake(&plugin.next_stdout_line());
    assert!(!answered(&handshake, None).await);
    // Nor does plaintext get anywhere on a TLS socket.
    let plain = channel(&handshake.socket, None).await;
    assert!(match plain {
        Ok(channel) => ping(channel).await.is_err(),
        Err(_) => true,
    });
    assert!(answered(&handshake, Some(&terraform)).await);
}

#[tokio::test]
async fn serves_plaintext_when_terraform_disables_tls() {
    let mut plugin = Plugin::managed(None);
    let line = plugin.next_stdout_line();
    assert!(line.ends_with("|grpc|"), "{line}");
    let handshake = parse_handshake(&line);
    let channel = channel(&handshake.socket, None)
        .await
        .expect("plaintext connection");
    assert_eq!(
        ping(channel.clone()).await.unwrap(),
        ServingStatus::Serving as i32
    );
    assert!(plugin.logs("without TLS"));
    shut_down(&mut plugin, channel).await;
}

#[tokio::test]
async fn debug_mode_prints_reattach_config_and_stops_on_ctrl_c() {
    let mut plugin = Plugin::start(&["--debug"], &[]);
    let assignment = loop {
        let line = plugin.next_stdout_line();
        if let Some(at) = line.find("TF_REATTACH_PROVIDERS='") {
            break line[at..].to_string();
        }
    };
    let json = assignment
        .strip_prefix("TF_REATTACH_PROVIDERS='")
        .and_then(|rest| rest.strip_suffix('\''))
        .expect("quoted JSON");
    let config: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let entry = &config["registry.terraform.io/emreks/emreks"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], plugin.child.id());
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = PathBuf::from(entry["Addr"]["String"].as_str().expect("socket path"));

    let channel = channel(&socket, None).await.expect("plaintext connection");
    assert_eq!(ping(channel).await.unwrap(), ServingStatus::Serving as i32);

    plugin.signal(libc::SIGINT);
    let status = plugin.wait(WAIT).expect("Ctrl-C ends --debug");
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists(), "socket removed");
}
