"""The certificate authority every emulated EKS cluster reports as its
`certificateAuthority`, and the server certificate for 127.0.0.1 and
localhost it signs, with which the emulator answers HTTPS: a client that
trusts the cluster's CA can verify the Kubernetes endpoint like on AWS."""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
import tempfile
from datetime import datetime, timedelta, UTC

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = (
            builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            )
        )
    return builder.sign(issuer_key, hashes.SHA256())


_ca_key = ec.generate_private_key(ec.SECP256R1())
_ca = _certificate("kubernetes", _ca_key, None, _ca_key)
_server_key = ec.generate_private_key(ec.SECP256R1())
_server = _certificate("kube-apiserver", _server_key, _ca, _ca_key)

# As EKS returns it: base64 of the PEM.
CERTIFICATE_AUTHORITY_DATA = base64.b64encode(_ca.public_bytes(serialization.Encoding.PEM)).decode()


def server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    chain = _server.public_bytes(serialization.Encoding.PEM) + _ca.public_bytes(serialization.Encoding.PEM)
    key = _server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # load_cert_chain only reads files.
    with tempfile.TemporaryDirectory() as directory:
        cert_file, key_file = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
        with open(cert_file, "wb") as f:
            f.write(chain)
        with open(key_file, "wb") as f:
            f.write(key)
        context.load_cert_chain(cert_file, key_file)
    return context
