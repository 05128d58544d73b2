"""`make bench`: figures for the provider binary under test.

- start-to-handshake: time from exec to the go-plugin handshake line on
  stdout, with Terraform's mTLS set-up (PLUGIN_CLIENT_CERT), over several runs;
- peak RSS of the provider process during a real `terraform apply` and
  `destroy` of a platform against the local emulator.
"""

import datetime
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.emulator import Emulator  # noqa: E402
from harness.terraform import Workspace, provider_binary, provider_block  # noqa: E402

STARTS = 20


def terraform_like_client_cert() -> str:
    """A self-signed P-521 CA certificate, as Terraform's plugin client makes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA512())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def handshake_times(binary: Path) -> list[float]:
    env = dict(os.environ, PLUGIN_CLIENT_CERT=terraform_like_client_cert(), PLUGIN_PROTOCOL_VERSIONS="6")
    times = []
    for _ in range(STARTS):
        started = time.perf_counter()
        process = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        line = process.stdout.readline()
        times.append(time.perf_counter() - started)
        process.kill()
        process.wait()
        if not line.startswith("1|6|tcp|"):
            raise RuntimeError(f"unexpected handshake: {line!r}")
    return times


def peak_rss_during_apply(binary: Path, scratch: Path) -> int:
    """Runs apply and destroy with the provider behind a wrapper that records
    the provider's peak RSS (KiB) when it exits."""
    wrapper_dir = scratch / "wrapped"
    wrapper_dir.mkdir()
    record = scratch / "peak_rss_kib"
    wrapper = wrapper_dir / "terraform-provider-emreks"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import resource, subprocess, sys\n"
        f"code = subprocess.call([{str(binary)!r}] + sys.argv[1:])\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        f"with open({str(record)!r}, 'a') as f: f.write(f'{{peak}}\\n')\n"
        "sys.exit(code)\n"
    )
    wrapper.chmod(0o755)
    os.environ["EMREKS_PROVIDER_BIN"] = str(wrapper)
    with Emulator() as aws:
        aws.create_admin_role("PlatformAdmin")
        workspace = Workspace(scratch / "tf", endpoint=aws.url)
        workspace.write({"main.tf": provider_block(aws.url) + '''
resource "emreks_platform" "p" {
  name               = "bench"
  eks_admin_role_arn = "arn:aws:iam::123456789012:role/PlatformAdmin"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}
'''})
        workspace.apply()
        workspace.destroy()
    return max(int(line) for line in record.read_text().split())


def main() -> int:
    binary = provider_binary()
    print(f"provider: {binary.name} ({binary.parent.name} build, {binary.stat().st_size / 1e6:.0f} MB)")
    times = handshake_times(binary)
    print(
        f"start-to-handshake over {STARTS} starts: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms"
    )
    with tempfile.TemporaryDirectory(prefix="emreks-bench-") as scratch:
        peak = peak_rss_during_apply(binary, Path(scratch))
    print(f"provider peak RSS during apply + destroy of a platform: {peak / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
