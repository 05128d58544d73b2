//! go-plugin's launch contract, as pure functions over the command line and
//! the environment: the magic cookie, the protocol versions Terraform
//! offers, its client certificate, and the handshake line we answer with.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use base64::Engine;
use rustls::pki_types::pem::{PemObject, SectionKind};
use rustls::pki_types::CertificateDer;

/// Set by every go-plugin host that launches a Terraform provider. Not a
/// secret: it only tells a plugin that it was started by Terraform.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version, the first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol we speak (tfplugin6).
pub const PROTOCOL_VERSION: u32 = 6;
/// The minor version of `proto/tfplugin6.proto`, for `--version` only: the
/// handshake carries the major version alone.
pub const PROTOCOL_MINOR_VERSION: u32 = 10;

const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";
const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";
const SOCKET_DIR_KEY: &str = "PLUGIN_UNIX_SOCKET_DIR";
const SOCKET_GROUP_KEY: &str = "PLUGIN_UNIX_SOCKET_GROUP";
const MULTIPLEX_KEY: &str = "PLUGIN_MULTIPLEX_GRPC";

/// How the process was asked to run.
#[derive(Debug, PartialEq, Eq)]
pub enum Mode {
    /// Launched by Terraform (go-plugin).
    Plugin,
    /// `--debug`: serve until Ctrl-C, for Terraform to reattach to.
    Debug,
    Help,
    /// `--version`: print [`version_text`] on stdout and exit.
    Version,
}

/// Reads the arguments after the program name. Go providers accept both
/// `-debug` and `--debug`; so do we.
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Mode, String> {
    let mut mode = Mode::Plugin;
    for arg in args {
        mode = match arg.to_str() {
            Some("--debug" | "-debug") => Mode::Debug,
            Some("--help" | "-help" | "-h") => return Ok(Mode::Help),
            Some("--version" | "-version") => return Ok(Mode::Version),
            _ => return Err(format!("unknown argument {arg:?}")),
        };
    }
    Ok(mode)
}

/// What Terraform passed in the environment, once checked.
#[derive(Debug)]
pub struct Launch {
    /// Terraform's certificate (AutoMTLS); `None` when Terraform runs with
    /// `TF_DISABLE_PLUGIN_TLS`.
    pub client_cert: Option<CertificateDer<'static>>,
    /// Where to create the socket's private directory, if not the temp dir.
    pub socket_dir: Option<PathBuf>,
    /// The host asked for gRPC broker multiplexing.
    pub multiplex_requested: bool,
    /// Set when the host asked for something we deliberately do not do.
    pub ignored_socket_group: bool,
}

/// Why the process will not serve; each reads as a message for a person.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    NotLaunchedByTerraform,
    ProtocolVersions(String),
    ClientCert(String),
    Environment(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotLaunchedByTerraform => write!(f, "{NOT_LAUNCHED_BY_TERRAFORM}"),
            Refusal::ProtocolVersions(offered) => write!(
                f,
                "terraform-provider-emreks speaks Terraform plugin protocol \
                 {PROTOCOL_VERSION}, but the program that started it offers only \
                 protocol version(s) {offered}. Use Terraform v1.0 or later, or OpenTofu."
            ),
            Refusal::ClientCert(problem) => write!(
                f,
                "{CLIENT_CERT_KEY} must hold exactly one PEM certificate (the \
                 client certificate Terraform generates): {problem}"
            ),
            Refusal::Environment(problem) => write!(f, "{problem}"),
        }
    }
}

const NOT_LAUNCHED_BY_TERRAFORM: &str = "\
terraform-provider-emreks is a Terraform provider plugin: Terraform (or OpenTofu)
starts it, it is not meant to be run by hand.

To use it, require it in your configuration and let Terraform install it:

    terraform {
      required_providers {
        emreks = { source = \"emreks/emreks\" }
      }
    }

then run `terraform init` and `terraform plan` as usual.

To debug it, run it with --debug: it then serves until Ctrl-C and prints the
TF_REATTACH_PROVIDERS value that points Terraform at it.";

pub const USAGE: &str = "\
usage: terraform-provider-emreks [--debug | --version | --help]

Terraform starts this provider itself. Run it by hand only with --debug, to
attach a debugger or read its logs in a terminal: it prints a
TF_REATTACH_PROVIDERS value for the shell that runs Terraform. --version
prints the provider's version and the plugin protocol it speaks.";

/// What `--version` prints: the version from `Cargo.toml`, then the plugin
/// protocol (the major version is what Terraform negotiates).
pub fn version_text() -> String {
    format!(
        "terraform-provider-emreks {}\nplugin protocol {PROTOCOL_VERSION} (tfplugin{PROTOCOL_VERSION}.{PROTOCOL_MINOR_VERSION})\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Checks what go-plugin's host must have set. `env` reads one variable.
pub fn read_launch(env: impl Fn(&str) -> Option<OsString>) -> Result<Launch, Refusal> {
    let text = |key: &str| -> Result<Option<String>, Refusal> {
        match env(key) {
            None => Ok(None),
            Some(value) => value
                .into_string()
                .map(Some)
                .map_err(|_| Refusal::Environment(format!("{key} is not valid UTF-8"))),
        }
    };

    if env(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE.as_ref()) {
        return Err(Refusal::NotLaunchedByTerraform);
    }

    // Absent only with very old hosts, which expect their single version.
    if let Some(offered) = text(PROTOCOL_VERSIONS_KEY)?.filter(|v| !v.trim().is_empty()) {
        let speaks_ours = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
        if !speaks_ours {
            return Err(Refusal::ProtocolVersions(offered.trim().to_string()));
        }
    }

    let client_cert = match text(CLIENT_CERT_KEY)? {
        Some(pem) if !pem.trim().is_empty() => Some(parse_client_cert(&pem)?),
        _ => None,
    };

    Ok(Launch {
        client_cert,
        socket_dir: env(SOCKET_DIR_KEY)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from),
        multiplex_requested: env(MULTIPLEX_KEY).is_some_and(|v| !v.is_empty()),
        ignored_socket_group: env(SOCKET_GROUP_KEY).is_some_and(|v| !v.is_empty()),
    })
}

/// Exactly one `CERTIFICATE` block: the one certificate we will pin.
fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, Refusal> {
    let mut certs = Vec::new();
    for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem.as_bytes()) {
        match section {
            Ok((SectionKind::Certificate, der)) => certs.push(CertificateDer::from(der)),
            Ok((kind, _)) => {
                return Err(Refusal::ClientCert(format!("it holds a {kind:?} section")))
            }
            Err(err) => return Err(Refusal::ClientCert(format!("{err:?}"))),
        }
    }
    match certs.len() {
        1 => Ok(certs.remove(0)),
        0 => Err(Refusal::ClientCert("it holds no certificate".into())),
        n => Err(Refusal::ClientCert(format!("it holds {n} certificates"))),
    }
}

/// The one line Terraform reads on our stdout:
/// `1|6|<network>|<address>|grpc|<base64 DER of our certificate>`.
/// The certificate is unpadded standard base64, as go-plugin decodes it;
/// empty when serving without TLS.
pub fn handshake_line(
    network: &str,
    address: &str,
    server_cert: Option<&[u8]>,
    multiplex_requested: bool,
) -> Result<String, String> {
    if address.contains(['|', '\n', '\r']) {
        return Err(format!(
            "the plugin address {address:?} contains a character the handshake line cannot carry"
        ));
    }
    let cert = server_cert
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    let mut line =
        format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{network}|{address}|grpc|{cert}");
    // A host that asks for broker multiplexing reads a seventh field; we
    // broker nothing, so we say we do not multiplex rather than leave it
    // guessing.
    if multiplex_requested {
        line.push_str("|false");
    }
    Ok(line)
}

/// The `TF_REATTACH_PROVIDERS='…'` shell assignment for `--debug`.
pub fn reattach_assignment(provider_address: &str, socket: &str, pid: u32) -> String {
    let config = serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "unix", "String": socket },
        }
    });
    // Single-quoted for POSIX shells; a quote inside becomes '\''.
    let json = config.to_string().replace('\'', r"'\''");
    format!("TF_REATTACH_PROVIDERS='{json}'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |key| vars.get(key).cloned()
    }

    fn pem(der: &[u8]) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n")
    }

    const COOKIE: (&str, &str) = (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE);

    #[test]
    fn arguments() {
        let args = |a: &[&str]| parse_args(a.iter().map(OsString::from));
        assert_eq!(args(&[]), Ok(Mode::Plugin));
        assert_eq!(args(&["--debug"]), Ok(Mode::Debug));
        assert_eq!(args(&["-debug"]), Ok(Mode::Debug));
        assert_eq!(args(&["--help"]), Ok(Mode::Help));
        assert_eq!(args(&["--version"]), Ok(Mode::Version));
        assert_eq!(args(&["-version"]), Ok(Mode::Version));
        assert_eq!(args(&["--debug", "--version"]), Ok(Mode::Version));
        assert!(args(&["--debugg"]).is_err());
        assert!(args(&["serve"]).is_err());
    }

    #[test]
    fn version() {
        let text = version_text();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(concat!(
                "terraform-provider-emreks ",
                env!("CARGO_PKG_VERSION")
            ))
        );
        assert_eq!(lines.next(), Some("plugin protocol 6 (tfplugin6.10)"));
        assert_eq!(lines.next(), None);
        assert!(USAGE.contains("--version"));
    }

    #[test]
    fn needs_the_magic_cookie() {
        assert_eq!(
            read_launch(env(&[])).unwrap_err(),
            Refusal::NotLaunchedByTerraform
        );
        assert_eq!(
            read_launch(env(&[(MAGIC_COOKIE_KEY, "nope")])).unwrap_err(),
            Refusal::NotLaunchedByTerraform
        );
        let message = Refusal::NotLaunchedByTerraform.to_string();
        assert!(message.contains("terraform init"));
        assert!(message.contains("--debug"));
    }

    #[test]
    fn protocol_versions() {
        let launch = |versions: &str| {
            read_launch(env(&[COOKIE, (PROTOCOL_VERSIONS_KEY, versions)])).map(|_| ())
        };
        assert_eq!(launch("5,6"), Ok(()));
        assert_eq!(launch("6, 5"), Ok(()));
        assert_eq!(launch("6"), Ok(()));
        assert_eq!(launch(""), Ok(()));
        assert_eq!(launch("x,6"), Ok(()));
        let refused = launch("5").unwrap_err();
        assert_eq!(refused, Refusal::ProtocolVersions("5".into()));
        assert!(refused.to_string().contains("protocol 6"));
        assert!(launch("4,5").is_err());
        assert!(launch("60").is_err());
        assert!(read_launch(env(&[COOKIE])).is_ok());
    }

    #[test]
    fn client_certificate() {
        let launch = read_launch(env(&[COOKIE, (CLIENT_CERT_KEY, &pem(&[1, 2, 3]))])).unwrap();
        assert_eq!(launch.client_cert.unwrap().as_ref(), &[1, 2, 3]);

        // TF_DISABLE_PLUGIN_TLS: no certificate at all.
        assert!(read_launch(env(&[COOKIE])).unwrap().client_cert.is_none());
        assert!(read_launch(env(&[COOKIE, (CLIENT_CERT_KEY, " \n")]))
            .unwrap()
            .client_cert
            .is_none());

        // Present but unusable is an error, never a fallback to plaintext.
        for bad in [
            "not a certificate".to_string(),
            format!("{}{}", pem(&[1]), pem(&[2])),
            "-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n".to_string(),
        ] {
            let err = read_launch(env(&[COOKIE, (CLIENT_CERT_KEY, &bad)])).unwrap_err();
            assert!(matches!(err, Refusal::ClientCert(_)), "{bad}: {err:?}");
        }
    }

    #[test]
    fn socket_settings() {
        let launch = read_launch(env(&[
            COOKIE,
            (SOCKET_DIR_KEY, "/run/x"),
            (MULTIPLEX_KEY, "true"),
            (SOCKET_GROUP_KEY, "staff"),
        ]))
        .unwrap();
        assert_eq!(launch.socket_dir, Some(PathBuf::from("/run/x")));
        assert!(launch.multiplex_requested);
        assert!(launch.ignored_socket_group);

        let launch = read_launch(env(&[COOKIE, (SOCKET_DIR_KEY, "")])).unwrap();
        assert_eq!(launch.socket_dir, None);
        assert!(!launch.multiplex_requested);
    }

    #[test]
    fn handshake_lines() {
        assert_eq!(
            handshake_line("unix", "/tmp/d/plugin.sock", Some(&[0xfb, 0xff]), false).unwrap(),
            "1|6|unix|/tmp/d/plugin.sock|grpc|+/8"
        );
        assert_eq!(
            handshake_line("unix", "/tmp/d/plugin.sock", None, false).unwrap(),
            "1|6|unix|/tmp/d/plugin.sock|grpc|"
        );
        assert_eq!(
            handshake_line("unix", "/s", None, true).unwrap(),
            "1|6|unix|/s|grpc||false"
        );
        assert!(handshake_line("unix", "/tmp/a|b", None, false).is_err());
    }

    #[test]
    fn reattach() {
        let line = reattach_assignment("registry.terraform.io/emreks/emreks", "/tmp/d/s", 42);
        let json = line
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|rest| rest.strip_suffix('\''))
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let entry = &value["registry.terraform.io/emreks/emreks"];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 42);
        assert_eq!(entry["Test"], true);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/d/s");

        let quoted = reattach_assignment("a/b/c", "/tmp/it's", 1);
        assert!(quoted.contains(r"it'\''s"));
    }
}
