//! go-plugin's AutoMTLS, server side: a fresh certificate for this process
//! (printed in the handshake line, which Terraform then pins as its only
//! root, for the name `localhost`), and a client verifier that accepts
//! Terraform's certificate and nothing else.
//!
//! Terraform's client certificate is self-signed and marked as a CA, so a
//! WebPKI chain check refuses it (CaUsedAsEndEntity). It needs none: the
//! certificate came to us over the environment Terraform gave this process,
//! so we pin its exact bytes and check that the peer proves possession of
//! its key in the TLS handshake.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::NoServerSessionStorage;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName as HintName, OtherError,
    ServerConfig, SignatureScheme,
};

/// The name go-plugin's client verifies in our certificate.
const SERVER_NAME: &str = "localhost";
/// Ample for one Terraform run; the key lives only in this process.
const VALIDITY: Duration = Duration::from_secs(366 * 24 * 3600);

/// This process's server certificate and its key.
pub struct ServerIdentity {
    pub cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

impl ServerIdentity {
    /// A new ECDSA P-256 key and a self-signed certificate for `localhost`.
    /// Go accepts it: the certificate is itself in Terraform's root pool, and
    /// names `localhost` with the server-auth usage.
    pub fn generate() -> Result<Self> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .context("generating the plugin server key")?;
        let mut params = CertificateParams::new(vec![SERVER_NAME.to_string()])
            .context("plugin server certificate parameters")?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "terraform-provider-emreks");
        params.distinguished_name = name;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        // A minute of slack for a clock that differs between the two sides.
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the system clock is before 1970")?;
        let epoch = rcgen::date_time_ymd(1970, 1, 1);
        params.not_before = epoch + since_epoch.saturating_sub(Duration::from_secs(60));
        params.not_after = epoch + since_epoch + VALIDITY;
        let cert = params
            .self_signed(&key)
            .context("signing the plugin server certificate")?;
        Ok(Self {
            cert: cert.der().clone(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        })
    }
}

/// The TLS server configuration: our identity, Terraform's certificate
/// required, HTTP/2 only.
pub fn server_config(
    identity: ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<Arc<ServerConfig>> {
    // Named explicitly so this does not depend on a process-wide default.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedClientCert {
        expected: client_cert,
        algorithms: provider.signature_verification_algorithms,
    };
    // TLS 1.3, and 1.2 when rustls is built with it: go-plugin's minimum.
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::DEFAULT_VERSIONS)
        .context("TLS protocol versions")?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.cert], identity.key)
        .context("installing the plugin server certificate")?;
    // gRPC over TLS negotiates h2; Go's gRPC client insists on it.
    config.alpn_protocols = vec![b"h2".to_vec()];
    // No resumption: every connection shows Terraform's certificate afresh.
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

/// Accepts exactly one client certificate, byte for byte. The handshake
/// signature is still verified against that certificate's key, so a peer
/// that merely copied the certificate (it is public) gets nowhere.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

/// Why a client certificate was refused. rustls shows it with `Debug`, in
/// the error the connection log carries, so both read as the reason.
struct NotTerraformsCertificate;

impl std::fmt::Display for NotTerraformsCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not the certificate Terraform passed in PLUGIN_CLIENT_CERT")
    }
}

impl std::fmt::Debug for NotTerraformsCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for NotTerraformsCertificate {}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[HintName] {
        // No hints: Go then sends the one certificate it has.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(NotTerraformsCertificate)),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};
    use rustls::client::ResolvesClientCert;
    use rustls::pki_types::ServerName;
    use rustls::sign::CertifiedKey;
    use rustls::ClientConfig;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A certificate like the one Terraform generates for itself:
    /// self-signed, a CA, ECDSA P-521.
    fn terraform_like_cert() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
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
        let cert = params.self_signed(&key).unwrap();
        (
            cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    /// The client side of the test trusts exactly the server's certificate.
    #[derive(Debug)]
    struct TrustExactly(CertificateDer<'static>, WebPkiSupportedAlgorithms);

    impl ServerCertVerifier for TrustExactly {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            name: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            assert_eq!(name.to_str(), "localhost");
            if end_entity.as_ref() == self.0.as_ref() {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(rustls::Error::General("not the server".into()))
            }
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(m, c, d, &self.1)
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(m, c, d, &self.1)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.1.supported_schemes()
        }
    }

    /// Presents a fixed certificate and key, matching or not.
    #[derive(Debug)]
    struct Present(Arc<CertifiedKey>);

    impl ResolvesClientCert for Present {
        fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
            Some(self.0.clone())
        }
        fn has_certs(&self) -> bool {
            true
        }
    }

    fn present(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> Option<Present> {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let key = provider.key_provider.load_private_key(key).unwrap();
        Some(Present(Arc::new(CertifiedKey::new(vec![cert], key))))
    }

    /// Runs one TLS connection in memory: the server pins `pinned`, the
    /// client presents `presented`. True when application data got through.
    async fn exchange(pinned: CertificateDer<'static>, presented: Option<Present>) -> bool {
        let identity = ServerIdentity::generate().unwrap();
        let server_cert = identity.cert.clone();
        let server = server_config(identity, pinned).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(TrustExactly(
                server_cert,
                provider.signature_verification_algorithms,
            )));
        let mut client = match presented {
            Some(resolver) => builder.with_client_cert_resolver(Arc::new(resolver)),
            None => builder.with_no_client_auth(),
        };
        client.alpn_protocols = vec![b"h2".to_vec()];

        let (a, b) = tokio::io::duplex(64 * 1024);
        let serve = async move {
            let mut tls = tokio_rustls::TlsAcceptor::from(server)
                .accept(b)
                .await
                .ok()?;
            let mut buf = [0u8; 5];
            tls.read_exact(&mut buf).await.ok()?;
            tls.write_all(b"world").await.ok()?;
            tls.flush().await.ok()?;
            Some(buf)
        };
        let connect = async move {
            let name = ServerName::try_from("localhost").unwrap();
            let mut tls = tokio_rustls::TlsConnector::from(Arc::new(client))
                .connect(name, a)
                .await
                .ok()?;
            tls.write_all(b"hello").await.ok()?;
            tls.flush().await.ok()?;
            let mut buf = [0u8; 5];
            tls.read_exact(&mut buf).await.ok()?;
            Some(buf)
        };
        let (served, answered) = tokio::join!(serve, connect);
        served == Some(*b"hello") && answered == Some(*b"world")
    }

    #[tokio::test]
    async fn accepts_the_pinned_terraform_certificate() {
        let (cert, key) = terraform_like_cert();
        assert!(exchange(cert.clone(), present(cert, key)).await);
    }

    #[tokio::test]
    async fn refuses_another_certificate() {
        let (pinned, _) = terraform_like_cert();
        let (other, other_key) = terraform_like_cert();
        assert!(!exchange(pinned, present(other, other_key)).await);
    }

    #[tokio::test]
    async fn refuses_no_certificate() {
        let (pinned, _) = terraform_like_cert();
        assert!(!exchange(pinned, None).await);
    }

    #[tokio::test]
    async fn refuses_the_right_certificate_with_the_wrong_key() {
        let (pinned, _) = terraform_like_cert();
        let (_, other_key) = terraform_like_cert();
        assert!(!exchange(pinned.clone(), present(pinned, other_key)).await);
    }

    #[test]
    fn server_certificate_names_localhost() {
        let identity = ServerIdentity::generate().unwrap();
        // The DER holds the SAN dNSName "localhost" (tag 0x82, length 9).
        let der = identity.cert.as_ref();
        assert!(der.windows(11).any(|w| w == b"\x82\x09localhost"));
    }
}
