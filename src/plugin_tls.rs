//! The TLS link between Terraform and the provider.
//!
//! Terraform's plugin client (go-plugin "AutoMTLS") passes its client
//! certificate in `PLUGIN_CLIENT_CERT` and trusts the certificate the
//! provider prints in its handshake line. Its client certificate is a
//! self-signed CA certificate used as an end entity, which the WebPKI
//! verifier of tf-provider's gRPC server refuses ("unknown certificate").
//!
//! So the provider puts its own TLS listener in front of that server: the
//! front pins Terraform's exact certificate, and forwards each connection
//! over a second mutually authenticated TLS hop to tf-provider, with a
//! certificate chain made for it that WebPKI accepts. Both hops are on
//! loopback and both authenticate their peer.

use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName as TlsName, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

const CLIENT_CERT_ENV: &str = "PLUGIN_CLIENT_CERT";

/// Certificates made for one provider process.
pub struct Bridge {
    terraform_cert: CertificateDer<'static>,
    hop_client_chain: Vec<CertificateDer<'static>>,
    hop_client_key: Vec<u8>,
}

/// Reads Terraform's certificate and hands tf-provider a CA of our own in
/// its place. Call before any thread starts: it edits the environment.
/// `None` when Terraform asked for no TLS (e.g. the provider run by hand).
pub fn prepare() -> Result<Option<Bridge>> {
    let Ok(pem) = std::env::var(CLIENT_CERT_ENV) else {
        return Ok(None);
    };
    if pem.trim().is_empty() {
        return Ok(None);
    }
    let terraform_cert = CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| anyhow!("{CLIENT_CERT_ENV} holds no PEM certificate: {e:?}"))?;

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.distinguished_name = name("terraform-provider-emreks hop CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key)?;

    let client_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut client_params = CertificateParams::new(vec!["localhost".to_string()])?;
    client_params.distinguished_name = name("terraform-provider-emreks hop client");
    client_params.is_ca = IsCa::ExplicitNoCa;
    client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = client_params.signed_by(&client_key, &ca, &ca_key)?;

    std::env::set_var(CLIENT_CERT_ENV, ca.pem());
    Ok(Some(Bridge {
        terraform_cert: terraform_cert.into_owned(),
        hop_client_chain: vec![client.der().clone()],
        hop_client_key: client_key.serialize_der(),
    }))
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

impl Bridge {
    /// Runs `serve` (tf-provider's server) with its handshake line captured,
    /// opens the front listener, and prints the handshake line Terraform reads.
    pub async fn run<F>(self, serve: F) -> Result<()>
    where
        F: Future<Output = Result<()>> + Send + 'static,
    {
        let capture = StdoutCapture::start()?;
        let server = tokio::spawn(serve);
        let line = tokio::task::spawn_blocking(move || capture.first_line())
            .await
            .context("reading the plugin handshake")??;
        let (backend, backend_cert) = parse_handshake(&line)?;

        let (front_cert, front_key) = front_certificate()?;
        let acceptor = self.acceptor(front_cert.clone(), front_key)?;
        let connector = self.connector(backend_cert)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let front = listener.local_addr()?;

        let mut stdout = std::io::stdout().lock();
        writeln!(
            stdout,
            "1|6|tcp|{front}|grpc|{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(front_cert.as_ref())
        )?;
        stdout.flush()?;
        drop(stdout);

        let forward = async move {
            loop {
                let (incoming, _) = listener.accept().await?;
                let (acceptor, connector) = (acceptor.clone(), connector.clone());
                let backend = backend.clone();
                tokio::spawn(async move {
                    if let Err(err) = forward(incoming, acceptor, connector, &backend).await {
                        tracing::debug!("plugin connection ended: {err:#}");
                    }
                });
            }
        };
        tokio::select! {
            served = server => served.context("provider server task")?,
            failed = forward => failed,
        }
    }

    fn acceptor(
        &self,
        cert: CertificateDer<'static>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsAcceptor> {
        let verifier = PinnedClient(Pinned {
            expected: self.terraform_cert.clone(),
            provider: provider()?,
        });
        let mut config = rustls::ServerConfig::builder()
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![cert], key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }

    fn connector(&self, backend_cert: CertificateDer<'static>) -> Result<TlsConnector> {
        let verifier = PinnedServer(Pinned {
            expected: backend_cert,
            provider: provider()?,
        });
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.hop_client_key.clone()));
        let mut config = rustls::ClientConfig::builder()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(self.hop_client_chain.clone(), key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(TlsConnector::from(Arc::new(config)))
    }
}

async fn forward(
    incoming: TcpStream,
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    backend: &str,
) -> Result<()> {
    let mut front = acceptor.accept(incoming).await?;
    let upstream = TcpStream::connect(backend).await?;
    let mut back = connector
        .connect(ServerName::try_from("localhost")?, upstream)
        .await?;
    tokio::io::copy_bidirectional(&mut front, &mut back).await?;
    Ok(())
}

fn provider() -> Result<Arc<CryptoProvider>> {
    CryptoProvider::get_default()
        .cloned()
        .ok_or_else(|| anyhow!("no TLS crypto provider installed"))
}

/// The certificate Terraform will trust for this process: self-signed for
/// `localhost`, as go-plugin expects.
fn front_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>)> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    params.distinguished_name = name("localhost");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key)?;
    Ok((
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    ))
}

/// `1|6|tcp|<addr>|grpc|<base64 DER>` → (addr, certificate).
pub fn parse_handshake(line: &str) -> Result<(String, CertificateDer<'static>)> {
    let parts: Vec<&str> = line.trim().split('|').collect();
    match parts.as_slice() {
        [_, "6", "tcp", address, "grpc", cert] if !cert.is_empty() => {
            let der = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(cert.trim_end_matches('='))
                .context("handshake certificate is not base64")?;
            Ok((address.to_string(), CertificateDer::from(der)))
        }
        _ => bail!("unexpected plugin handshake line: {line:?}"),
    }
}

/// One exact certificate, whatever its extensions; handshake signatures are
/// checked with the process's crypto provider.
#[derive(Debug)]
struct Pinned {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl Pinned {
    fn check(&self, presented: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if presented.as_ref() == self.expected.as_ref() {
            Ok(())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The front accepts Terraform's certificate only.
#[derive(Debug)]
struct PinnedClient(Pinned);

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[TlsName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.0
            .check(end_entity)
            .map(|_| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.schemes()
    }
}

/// The second hop accepts only the certificate tf-provider printed.
#[derive(Debug)]
struct PinnedServer(Pinned);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0
            .check(end_entity)
            .map(|_| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.schemes()
    }
}

/// Points fd 1 at a pipe until the first line written to it has been read,
/// then gives fd 1 back to the real stdout.
struct StdoutCapture {
    saved_stdout: RawFd,
    read_end: RawFd,
}

impl StdoutCapture {
    fn start() -> Result<Self> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: plain POSIX fd calls on fds this function owns; each result is checked.
        unsafe {
            let saved_stdout = libc::dup(1);
            if saved_stdout < 0 || libc::pipe(fds.as_mut_ptr()) != 0 {
                bail!("cannot capture stdout: {}", std::io::Error::last_os_error());
            }
            if libc::dup2(fds[1], 1) < 0 {
                bail!("cannot capture stdout: {}", std::io::Error::last_os_error());
            }
            libc::close(fds[1]);
            Ok(Self {
                saved_stdout,
                read_end: fds[0],
            })
        }
    }

    fn first_line(self) -> Result<String> {
        // SAFETY: read_end is the pipe's read end, owned by this capture alone.
        let pipe = unsafe { std::fs::File::from_raw_fd(self.read_end) };
        let mut line = String::new();
        let read = BufReader::new(pipe).read_line(&mut line);
        let _ = std::io::stdout().flush();
        // SAFETY: saved_stdout is the duplicate of the original fd 1 made in start().
        unsafe {
            libc::dup2(self.saved_stdout, 1);
            libc::close(self.saved_stdout);
        }
        read?;
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_handshake_line() {
        let (address, cert) = parse_handshake("1|6|tcp|127.0.0.1:1234|grpc|AAEC\n").unwrap();
        assert_eq!(address, "127.0.0.1:1234");
        assert_eq!(cert.as_ref(), &[0, 1, 2]);
    }

    #[test]
    fn refuses_other_handshakes() {
        assert!(parse_handshake("1|6|tcp|127.0.0.1:1234|grpc|").is_err());
        assert!(parse_handshake("1|5|tcp|127.0.0.1:1|netrpc|AAEC").is_err());
        assert!(parse_handshake("").is_err());
    }

    #[test]
    fn pinned_client_accepts_only_its_certificate() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let verifier = PinnedClient(Pinned {
            expected: CertificateDer::from(vec![1, 2, 3]),
            provider: provider().unwrap(),
        });
        let now = UnixTime::now();
        assert!(verifier
            .verify_client_cert(&CertificateDer::from(vec![1, 2, 3]), &[], now)
            .is_ok());
        assert!(verifier
            .verify_client_cert(&CertificateDer::from(vec![9]), &[], now)
            .is_err());
    }
}
