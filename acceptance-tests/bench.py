"""`make bench`: figures for the provider binary, printed, never asserted.

    .venv/bin/python acceptance-tests/bench.py [--only size,handshake,rss,apply,calls,scale]
                                               [--starts N] [--platforms N] [--trace DIR]
                                               [--parallelism N,M]

The binary under test is EMREKS_PROVIDER_BIN (the Makefile sets it from
PROFILE: `make bench PROFILE=release` for release figures), else the debug
build. Every part prints what it measured and how; the whole run takes
several minutes, `--only` picks parts.

size
    The release binary `target/release/terraform-provider-emreks`, whatever
    PROFILE is: its size as built and stripped (a stripped copy is measured
    if the build kept symbols), and its largest ELF sections (`size -A`).

handshake
    Start to handshake: from spawning the binary (fork and exec from this
    Python process) to reading the go-plugin handshake line on its stdout,
    with the environment Terraform gives a provider: TF_PLUGIN_MAGIC_COOKIE,
    PLUGIN_PROTOCOL_VERSIONS=6 and PLUGIN_CLIENT_CERT holding a self-signed
    P-521 CA certificate, as Terraform makes for its mutual TLS. One start
    warms the page cache and is not counted; the process is then stopped
    with SIGTERM, as Terraform's host would. The same measurement of
    `/bin/echo` printing a line gives the cost of spawning and reading alone.

rss
    Peak resident set size of the provider process during a no-change
    `terraform plan` of one platform with 16 nodegroups and 2 notebook users
    (applied first). Terraform finds the provider through `dev_overrides` in
    a directory holding a two-line launcher named like the provider:
    `exec /usr/bin/time -v -a -o $RECORD <binary> "$@"`. GNU time forks the
    provider, waits for it and appends the child's rusage to $RECORD; its
    "Maximum resident set size" is the provider's own peak RSS (ru_maxrss,
    the kernel's high-water mark, KiB), not the launcher's or Terraform's.
    The provider inherits its stdout, so Terraform reads the handshake as
    usual. Without /usr/bin/time the launcher is a Python process reporting
    getrusage(RUSAGE_CHILDREN).ru_maxrss after waiting for the provider.
    Terraform may start the provider more than once per command; the largest
    peak and the number of starts are printed.

apply
    The same configuration applied with the emulator holding resources in
    their creating state: cluster 12 s, nodegroup 6 s, add-on 3 s, managed
    endpoint 6 s, NAT gateway 3 s. Printed: the wall time of `terraform
    apply` (after an untimed `terraform plan`, as a user runs one, so the
    first read of the binary from disk and the emulator's one-time start of
    its models are not counted), the critical-path bound (the longest chain of waits the
    dependencies force, with its derivation) and their ratio.
    It runs at Terraform's default -parallelism of 10, which runs the 18
    resources after the platform in two waves (printed: the bound with that
    second wave too), then at -parallelism=20, where all of them run at once
    as the bound assumes; `--parallelism 10,20` is the default. With `--trace DIR` the run's files stay in DIR: the
    emulator's log with a timestamped line per call (`call eks:CreateCluster`)
    and Terraform's debug log of the apply (`apply-terraform.log`, with the
    provider's lines), the timeline of where the apply's time goes.
    Each apply's destroy runs under the same latencies; printed: its wall
    time against its own critical-path bound (the nodegroups and endpoints,
    then the platform's tooling nodegroup, then the cluster and the release
    of its network interfaces).

calls
    After the apply, the emulator's call counts are reset, the no-change
    plan above runs, and the calls it made are printed: total, per object
    (the objects the apply left in the emulator's inventory, AWS and
    Kubernetes), and the most frequent operations.

scale
    With the emulator throttling every operation above 20 calls/s (burst
    40, its `rate_limits`; throttled calls answer as AWS's do and the SDK
    retries them): 1 platform and then 10 platforms (distinct names and VPC
    CIDRs, one region) each with 16 nodegroups, in one configuration. For
    each: apply, a no-change plan (wall time and provider peak RSS), destroy,
    and the inventory count after destroy (0 when nothing leaked). Whether
    apply and destroy completed is printed, not asserted. Then, when both
    counts completed, the time a platform of each phase with the larger count
    against the smaller (their ratio; 1.00 is linear) and the growth of the
    plan's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emulator.settings import DEFAULT_ENI_RELEASE_SECONDS as ENI_RELEASE  # noqa: E402
from harness.emulator import Emulator  # noqa: E402
from harness.terraform import REPO, Result, Workspace, provider_binary, provider_block  # noqa: E402

PARTS = ("size", "handshake", "rss", "apply", "calls", "scale")
ADMIN_ROLE = "arn:aws:iam::123456789012:role/PlatformAdmin"
RELEASE_BINARY = REPO / "target" / "release" / "terraform-provider-emreks"
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

# Seconds the emulator keeps each kind of resource creating (its `latency` keys).
LATENCY = {
    "eks:cluster": 12,
    "eks:nodegroup": 6,
    "eks:addon": 3,
    "emr-containers:managed-endpoint": 6,
    "ec2:nat-gateway": 3,
}
RATE_LIMITS = {"*": {"rate": 20, "burst": 40}}
NODEGROUPS = 16
NOTEBOOK_USERS = ("analyst", "scientist")
# Terraform's default -parallelism.
PARALLELISM = 10
# The timed apply and destroy run at Terraform's default, whose limit adds a
# second wave of resources to the bound, then at enough for every resource
# after the platform at once: the provider's own critical path.
PARALLELISMS = (PARALLELISM, 20)


def parallelism_list(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split(",") if part.strip())
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("one or more positive integers, comma-separated")
    return values


# -- report ------------------------------------------------------------------


@dataclass
class Report:
    rows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, value: str) -> None:
        self.rows.append((name, value))

    def table(self) -> str:
        width = max((len(name) for name, _ in self.rows), default=0)
        lines = [f"{'figure'.ljust(width)}  value", f"{'-' * width}  {'-' * 30}"]
        lines += [f"{name.ljust(width)}  {value}" for name, value in self.rows]
        return "\n".join(lines)


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def say(text: str) -> None:
    print(f"   {text}", flush=True)


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def tail(text: str, lines: int = 8) -> str:
    return "\n".join("      " + line for line in text.strip().splitlines()[-lines:])


# -- configurations ----------------------------------------------------------


def platform(resource: str, name: str, second_octet: int) -> str:
    """A platform as the walkthrough makes it: three zones, a batch and a
    notebook virtual cluster, their execution roles, a Studio."""
    return f'''
resource "emreks_platform" "{resource}" {{
  name               = "{name}"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.{second_octet}.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  virtual_clusters = {{
    batchjob      = {{ namespace = "batchjob" }}
    emrvcplatform = {{ namespace = "dataanalysis" }}
  }}
  execution_roles = {{
    jobs      = {{ namespaces = ["batchjob"], policy = null, trust = "irsa" }}
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = "irsa" }}
  }}
  studio {{
    name            = "{name}"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
}}
'''


def nodegroup_map() -> str:
    """The reference's five role presets in each of three zones, and a
    second critical group: 16 nodegroups."""
    roles = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]
    groups = [(f"{role.replace('_', '-')}-{zone}", role, zone) for role in roles for zone in "abc"]
    groups.append(("critical-2-a", "critical", "a"))
    assert len(groups) == NODEGROUPS
    entries = "\n".join(
        f'    "{name}" = {{ role = "{role}", zone = "eu-west-1{zone}" }}' for name, role, zone in groups
    )
    return "{\n" + entries + "\n  }"


def nodegroups(resource: str, platform_resource: str) -> str:
    return f'''
resource "emreks_nodegroup" "{resource}" {{
  for_each          = local.nodegroups
  platform_id       = emreks_platform.{platform_resource}.id
  name              = each.key
  role              = each.value.role
  availability_zone = each.value.zone
}}
'''


def notebook_user(identity: str, platform_resource: str) -> str:
    return f'''
resource "emreks_notebook_user" "{identity}" {{
  platform_id   = emreks_platform.{platform_resource}.id
  identity_name = "{identity}"
  managed_endpoints = [{{
    name                    = "{identity}"
    release_label           = null
    execution_role          = "notebooks"
    configuration_overrides = null
  }}]
}}
'''


def configuration(endpoint: str, platforms: int, users: tuple[str, ...]) -> str:
    text = provider_block(endpoint) + f"\nlocals {{\n  nodegroups = {nodegroup_map()}\n}}\n"
    for index in range(platforms):
        resource = "p" if platforms == 1 else f"p{index}"
        name = "bench" if platforms == 1 else f"bench{index}"
        text += platform(resource, name, index) + nodegroups(f"spark_{resource}", resource)
    for identity in users:
        text += notebook_user(identity, "p")
    return text


# -- peak RSS of the provider through a launcher ------------------------------


class RssLauncher:
    """A directory for `dev_overrides` whose `terraform-provider-emreks`
    runs the binary under test and records its peak RSS (see the docstring)."""

    def __init__(self, binary: Path, scratch: Path):
        self.directory = scratch / "launcher"
        self.directory.mkdir()
        launcher = self.directory / "terraform-provider-emreks"
        if Path("/usr/bin/time").is_file():
            self.method = "/usr/bin/time -v (ru_maxrss of the provider process)"
            launcher.write_text(
                "#!/bin/sh\n"
                f'exec /usr/bin/time -v -a -o "${{EMREKS_BENCH_RSS_RECORD:-/dev/null}}" "{binary}" "$@"\n'
            )
        else:
            self.method = "getrusage(RUSAGE_CHILDREN) in a Python launcher"
            launcher.write_text(
                f"#!{sys.executable} -S\n"
                "import os, resource, subprocess, sys\n"
                f"code = subprocess.call([{str(binary)!r}] + sys.argv[1:])\n"
                "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
                "record = os.environ.get('EMREKS_BENCH_RSS_RECORD')\n"
                "if record:\n"
                "    with open(record, 'a') as f:\n"
                "        f.write(f'Maximum resident set size (kbytes): {peak}\\n')\n"
                "sys.exit(code)\n"
            )
        launcher.chmod(0o755)
        self.counter = 0

    def workspace(self, directory: Path, endpoint: str) -> Workspace:
        workspace = Workspace(directory, endpoint=endpoint)
        workspace.cli_config.write_text(
            "provider_installation {\n"
            "  dev_overrides {\n"
            f'    "emreks/emreks" = "{self.directory}"\n'
            "  }\n"
            "  direct {}\n"
            "}\n"
        )
        return workspace

    def run(self, workspace: Workspace, *args: str, env: dict | None = None) -> tuple[Result, float, list[int]]:
        """Runs a Terraform command; returns its result, wall time and the
        peak RSS (KiB) of each provider process it started."""
        self.counter += 1
        record = self.directory.parent / f"rss-{self.counter}.txt"
        started = time.perf_counter()
        result = workspace.run(*args, check=False, env={"EMREKS_BENCH_RSS_RECORD": str(record), **(env or {})})
        elapsed = time.perf_counter() - started
        peaks = []
        if record.exists():
            peaks = [
                int(m.group(1))
                for m in re.finditer(r"Maximum resident set size \(kbytes\): (\d+)", record.read_text())
            ]
        return result, elapsed, peaks

    def apply(self, workspace: Workspace, env: dict | None = None, *flags: str):
        return self.run(workspace, "apply", "-auto-approve", "-no-color", *flags, env=env)

    def plan(self, workspace: Workspace):
        return self.run(workspace, "plan", "-detailed-exitcode", "-no-color")

    def destroy(self, workspace: Workspace, *flags: str):
        return self.run(workspace, "destroy", "-auto-approve", "-no-color", *flags)


def peaks_text(peaks: list[int]) -> str:
    if not peaks:
        return "no provider start recorded"
    starts = f"{len(peaks)} provider start{'s' if len(peaks) > 1 else ''}"
    return f"{mib(max(peaks))} (largest of {starts}: {', '.join(mib(p) for p in peaks)})"


def inventory_count(inventory: dict) -> tuple[int, int]:
    """(AWS objects, Kubernetes objects) in an emulator inventory."""
    aws = sum(len(ids) for kind, ids in inventory.items() if not kind.startswith("k8s:"))
    k8s = sum(len(ids) for kind, ids in inventory.items() if kind.startswith("k8s:"))
    return aws, k8s


def new_objects(aws: Emulator) -> dict:
    return aws.leftovers()


# -- size ----------------------------------------------------------------------


def is_stripped(binary: Path) -> bool:
    sections = subprocess.run(["readelf", "-S", "-W", str(binary)], capture_output=True, text=True).stdout
    return ".symtab" not in sections and ".debug_info" not in sections


def is_stale(binary: Path) -> bool:
    """Whether a source file, Cargo.toml or Cargo.lock is newer than `binary`."""
    sources = [REPO / "Cargo.toml", REPO / "Cargo.lock", REPO / "build.rs", *(REPO / "src").rglob("*.rs")]
    built = binary.stat().st_mtime
    return any(path.stat().st_mtime > built for path in sources if path.is_file())


def bench_size(report: Report, scratch: Path) -> None:
    heading("Binary size (release)")
    if not RELEASE_BINARY.is_file():
        say(f"no release build at {relative(RELEASE_BINARY)}: `make build PROFILE=release` "
            "(or `cargo build --release`) makes it")
        report.add("release binary (stripped)", "not built")
        return
    built = RELEASE_BINARY.stat().st_size
    measured = RELEASE_BINARY
    if shutil.which("readelf") and not is_stripped(RELEASE_BINARY):
        measured = scratch / "stripped"
        subprocess.run(["strip", "-o", str(measured), str(RELEASE_BINARY)], check=True)
        say(f"{relative(RELEASE_BINARY)}: {built / 1e6:.1f} MB as built, with symbols; measuring a stripped copy")
    stripped = measured.stat().st_size
    mtime = datetime.datetime.fromtimestamp(RELEASE_BINARY.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    say(f"{relative(RELEASE_BINARY)} (built {mtime}): {stripped / 1e6:.1f} MB "
        f"({stripped / 2**20:.1f} MiB, {stripped} bytes) stripped")
    if is_stale(RELEASE_BINARY):
        say("older than the sources or Cargo.toml: `make build PROFILE=release` rebuilds it")
    if shutil.which("size"):
        listing = subprocess.run(["size", "-A", str(measured)], capture_output=True, text=True).stdout
        sections = []
        for line in listing.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
                sections.append((int(parts[1]), parts[0]))
        sections.sort(reverse=True)
        say("largest sections: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for size, name in sections[:6]))
    report.add("release binary (stripped)", f"{stripped / 1e6:.1f} MB")


# -- handshake -------------------------------------------------------------------


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
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_encipherment=True, key_cert_sign=True, content_commitment=False,
                data_encipherment=False, key_agreement=True, crl_sign=False, encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA512())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def time_to_first_line(command: list[str], env: dict, starts: int) -> tuple[list[float], str]:
    times, line = [], ""
    for attempt in range(starts + 1):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        if attempt:  # the first start warms the page cache
            times.append(elapsed)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
    return times, line


def bench_handshake(report: Report, binary: Path, starts: int) -> None:
    heading(f"Start to handshake ({relative(binary)})")
    env = dict(
        os.environ,
        TF_PLUGIN_MAGIC_COOKIE=MAGIC_COOKIE,
        PLUGIN_PROTOCOL_VERSIONS="6",
        PLUGIN_CLIENT_CERT=terraform_like_client_cert(),
    )
    env.pop("TF_LOG", None)
    env.pop("TF_LOG_PROVIDER", None)
    times, line = time_to_first_line([str(binary)], env, starts)
    if not line.startswith("1|6|"):
        say(f"unexpected first line: {line!r}")
        report.add("start to handshake", "no handshake")
        return
    median, low, high = statistics.median(times) * 1e3, min(times) * 1e3, max(times) * 1e3
    say(f"over {starts} starts: median {median:.1f} ms, min {low:.1f} ms, max {high:.1f} ms")
    spawn, _ = time_to_first_line(["/bin/echo", "1|6|"], env, starts)
    say(f"(spawning /bin/echo to its line the same way: median {statistics.median(spawn) * 1e3:.1f} ms)")
    say(f"handshake: {line.strip()[:60]}...")
    report.add("start to handshake (median/min/max)", f"{median:.1f} / {low:.1f} / {high:.1f} ms")


# -- rss, apply, calls -----------------------------------------------------------


def critical_path(parallelism: int) -> tuple[float, float, list[str]]:
    """The longest chain of waits the dependencies force, and the same with
    Terraform's `-parallelism`; with the derivation."""
    cluster, nat = LATENCY["eks:cluster"], LATENCY["ec2:nat-gateway"]
    nodegroup, addon = LATENCY["eks:nodegroup"], LATENCY["eks:addon"]
    endpoint = LATENCY["emr-containers:managed-endpoint"]
    first = max(cluster, nat)
    platform_done = first + max(nodegroup, addon)
    last = max(nodegroup, endpoint)
    bound = platform_done + last
    after_platform = NODEGROUPS + len(NOTEBOOK_USERS)
    waves = -(-after_platform // parallelism)
    bound_parallelism = platform_done + waves * last
    chain = [
        f"EKS cluster {cluster} s, with the NAT gateways {nat} s alongside (the cluster needs subnets only)  -> {first} s",
        f"the platform's tooling nodegroup {nodegroup} s (nodes need the cluster ACTIVE and NAT egress), "
        f"alongside the add-ons {addon} s, made together once the cluster is ACTIVE (coredns and the EBS CSI "
        f"driver, DEGRADED without nodes, are ACTIVE once the nodes are)  -> {platform_done} s: emreks_platform complete",
        f"{NODEGROUPS} emreks_nodegroup {nodegroup} s alongside {len(NOTEBOOK_USERS)} notebook users' managed "
        f"endpoints {endpoint} s (all name the platform's id)  -> {bound} s",
        f"with Terraform's -parallelism={parallelism}, the {after_platform} resources after the platform "
        f"wait in {waves} waves: {platform_done} + {waves} x {last} = {bound_parallelism} s",
    ]
    return bound, bound_parallelism, chain


def destroy_critical_path(parallelism: int) -> tuple[float, float, list[str]]:
    """The longest chain of waits a destroy of the same configuration
    cannot avoid, and the same with Terraform's `-parallelism`."""
    cluster, nat = LATENCY["eks:cluster"], LATENCY["ec2:nat-gateway"]
    nodegroup = LATENCY["eks:nodegroup"]
    endpoint = LATENCY["emr-containers:managed-endpoint"]
    first = max(nodegroup, endpoint)
    platform = nodegroup + max(cluster, nat) + ENI_RELEASE
    bound = first + platform
    after_platform = NODEGROUPS + len(NOTEBOOK_USERS)
    waves = -(-after_platform // parallelism)
    bound_parallelism = waves * first + platform
    chain = [
        f"{NODEGROUPS} emreks_nodegroup {nodegroup} s alongside {len(NOTEBOOK_USERS)} notebook users' managed "
        f"endpoints {endpoint} s (the platform goes after them)  -> {first} s",
        f"the platform's tooling nodegroup {nodegroup} s (EKS deletes no cluster with nodegroups)  -> {first + nodegroup} s",
        f"EKS cluster {cluster} s, with the NAT gateways {nat} s alongside  -> {first + nodegroup + max(cluster, nat)} s",
        f"its network interfaces, which AWS releases {ENI_RELEASE:g} s after it (the emulator's default), "
        f"hold the subnets and so the VPC  -> {bound} s",
        f"with Terraform's -parallelism={parallelism}, the {after_platform} resources before the platform "
        f"go in {waves} waves: {waves} x {first} + {platform} = {bound_parallelism} s",
    ]
    return bound, bound_parallelism, chain


def creation_times(output: str) -> str:
    """`emreks_platform: 41 s; emreks_nodegroup (16): 7-8 s; ...` from
    Terraform's `Creation complete after 1m2s` lines."""
    by_type: dict[str, list[int]] = {}
    for match in re.finditer(r"^(\w+)\.[^:]*: Creation complete after (?:(\d+)m)?(\d+)s", output, re.M):
        seconds = int(match.group(2) or 0) * 60 + int(match.group(3))
        by_type.setdefault(match.group(1), []).append(seconds)
    parts = []
    for kind, times in by_type.items():
        span = f"{min(times)} s" if min(times) == max(times) else f"{min(times)}-{max(times)} s"
        parts.append(f"{kind}{f' ({len(times)})' if len(times) > 1 else ''} {span}")
    return "; ".join(parts) or "none"


def bench_platform(
    report: Report, binary: Path, scratch: Path, parts: set[str], trace: bool, parallelisms: tuple[int, ...]
) -> None:
    """One emulator: apply (with latencies if `apply` is asked, once per
    `-parallelism` in `parallelisms`, each but the last destroyed at once),
    the no-change plan (RSS and calls), destroy."""
    launcher = RssLauncher(binary, scratch)
    with Emulator(log_path=scratch / "emulator.log", verbose=trace) as aws:
        aws.create_admin_role("PlatformAdmin")
        for identity in NOTEBOOK_USERS:
            aws.client("iam").create_user(UserName=identity)
        aws.mark_baseline()
        workspace = launcher.workspace(scratch / "platform", aws.url)
        workspace.write({"main.tf": configuration(aws.url, 1, NOTEBOOK_USERS)})
        shape = f"1 platform, {NODEGROUPS} nodegroups, {len(NOTEBOOK_USERS)} notebook users"
        timed = "apply" in parts

        def flags(parallelism: int) -> list[str]:
            return [f"-parallelism={parallelism}"] if parallelism != PARALLELISM else []

        def apply(parallelism: int) -> bool:
            if timed:
                heading(f"Apply time against the critical-path bound ({shape}, -parallelism={parallelism})")
                aws.configure({"latency": LATENCY})
                say("emulator latencies: " + ", ".join(f"{k} {v} s" for k, v in LATENCY.items()))
            else:
                heading(f"Apply ({shape}; no latencies)")
            debug = {"TF_LOG": "debug", "TF_LOG_PATH": str(scratch / "apply-terraform.log")} if trace else {}
            applied, elapsed, peaks = launcher.apply(workspace, debug, *flags(parallelism))
            if applied.code != 0:
                say(f"terraform apply failed (exit {applied.code}) after {elapsed:.1f} s:")
                print(tail(applied.output, 15))
                report.add("apply", "failed")
                return False
            say(f"terraform apply: {elapsed:.1f} s wall; provider peak RSS {peaks_text(peaks)}")
            if timed:
                say("creation times Terraform reported: " + creation_times(applied.stdout))
                bound, bound_parallelism, chain = critical_path(parallelism)
                say("critical-path bound, the longest chain of waits:")
                for step in chain:
                    say(f"  {step}")
                say(f"apply / bound: {elapsed:.1f} s / {bound} s = {elapsed / bound:.2f}  "
                    f"(against the -parallelism={parallelism} bound {bound_parallelism} s: "
                    f"{elapsed / bound_parallelism:.2f})")
                report.add(f"apply wall time / critical-path bound (-parallelism={parallelism})",
                           f"{elapsed:.1f} s / {bound} s = {elapsed / bound:.2f} "
                           f"({elapsed / bound_parallelism:.2f} of its {bound_parallelism} s)")
                aws.configure({"latency": {}})
            return True

        def destroy(parallelism: int) -> None:
            if timed:
                heading(f"Destroy time against its critical-path bound ({shape}, -parallelism={parallelism})")
                aws.configure({"latency": LATENCY})
            destroyed, elapsed, _ = launcher.destroy(workspace, *flags(parallelism))
            left = inventory_count(new_objects(aws))
            say(f"terraform destroy: {'done' if destroyed.code == 0 else f'failed (exit {destroyed.code})'} "
                f"in {elapsed:.1f} s; inventory after destroy: {sum(left)} objects")
            if destroyed.code != 0:
                print(tail(destroyed.output, 15))
            elif timed:
                bound, bound_parallelism, chain = destroy_critical_path(parallelism)
                say("critical-path bound, the longest chain of waits:")
                for step in chain:
                    say(f"  {step}")
                say(f"destroy / bound: {elapsed:.1f} s / {bound} s = {elapsed / bound:.2f}  "
                    f"(against the -parallelism={parallelism} bound {bound_parallelism} s: "
                    f"{elapsed / bound_parallelism:.2f})")
                report.add(f"destroy wall time / critical-path bound (-parallelism={parallelism})",
                           f"{elapsed:.1f} s / {bound} s = {elapsed / bound:.2f} "
                           f"({elapsed / bound_parallelism:.2f} of its {bound_parallelism} s)")
                aws.configure({"latency": {}})

        if timed:
            # Not timed: a plan first, as a user runs one, so that the timed
            # apply counts neither the first read of the provider binary
            # from disk nor the emulator's one-time start of its EC2 and
            # EKS models (0.3-0.5 s on its first call), which AWS has not.
            heading(f"Warm-up: terraform plan ({shape}; not timed)")
            planned, elapsed, _ = launcher.plan(workspace)
            verdict = {0: "no changes", 2: "changes planned"}.get(planned.code, f"failed (exit {planned.code})")
            say(f"terraform plan: {verdict}, {elapsed:.1f} s wall")
        runs = parallelisms if timed else parallelisms[-1:]
        for parallelism in runs[:-1]:
            if not apply(parallelism):
                return
            destroy(parallelism)
        last = runs[-1]
        if not apply(last):
            return

        objects = new_objects(aws)
        aws_objects, k8s_objects = inventory_count(objects)
        if parts & {"rss", "calls"}:
            heading(f"No-change plan ({shape})")
            aws.reset_stats()
            planned, elapsed, peaks = launcher.plan(workspace)
            stats = aws.stats()
            verdict = {0: "no changes", 2: "CHANGES PLANNED"}.get(planned.code, f"failed (exit {planned.code})")
            say(f"terraform plan: {verdict}, {elapsed:.1f} s wall")
            if planned.code not in (0,):
                print(tail(planned.output, 15))
            if "rss" in parts:
                say(f"provider peak RSS: {peaks_text(peaks)}; measured with {launcher.method}")
                if peaks:
                    report.add("provider peak RSS, no-change plan", mib(max(peaks)))
            if "calls" in parts:
                total = sum(stats.values())
                k8s_calls = sum(n for op, n in stats.items() if op.startswith("k8s:"))
                count = aws_objects + k8s_objects
                say(f"calls: {total} ({total - k8s_calls} AWS, {k8s_calls} Kubernetes)")
                say(f"objects the apply left in the emulator's inventory: {count} "
                    f"({aws_objects} AWS, {k8s_objects} Kubernetes; the admin role and IAM users made "
                    "beforehand not counted)")
                per_object = total / count if count else float("nan")
                say(f"calls per object: {per_object:.2f}")
                say("most frequent operations:")
                for operation, n in sorted(stats.items(), key=lambda item: (-item[1], item[0]))[:12]:
                    say(f"  {n:5d}  {operation}")
                report.add("no-change plan calls / objects", f"{total} / {count} = {per_object:.2f}")

        destroy(last)


# -- scale -------------------------------------------------------------------------


def bench_scale(report: Report, binary: Path, scratch: Path, counts: tuple[int, ...]) -> None:
    launcher = RssLauncher(binary, scratch)
    # platforms -> {"apply": s, "plan": s, "destroy": s, "rss": KiB} of the runs that completed
    per_count: dict[int, dict[str, float]] = {}
    with Emulator(log_path=scratch / "emulator-scale.log") as aws:
        for platforms in counts:
            heading(f"Scale: {platforms} platform{'s' if platforms > 1 else ''} x {NODEGROUPS} nodegroups, "
                    f"emulator rate limit {RATE_LIMITS['*']['rate']}/s (burst {RATE_LIMITS['*']['burst']}) per operation")
            aws.reset()
            aws.configure({"rate_limits": RATE_LIMITS})
            aws.create_admin_role("PlatformAdmin")
            aws.mark_baseline()
            workspace = launcher.workspace(scratch / f"scale-{platforms}", aws.url)
            workspace.write({"main.tf": configuration(aws.url, platforms, ())})

            applied, apply_time, apply_peaks = launcher.apply(workspace)
            say(f"apply: {'complete' if applied.code == 0 else f'FAILED (exit {applied.code})'} in {apply_time:.1f} s; "
                f"provider peak RSS {peaks_text(apply_peaks)}")
            if applied.code != 0:
                print(tail(applied.output, 15))
            aws_objects, k8s_objects = inventory_count(new_objects(aws))
            say(f"inventory after apply: {aws_objects} AWS + {k8s_objects} Kubernetes objects")
            plan_text = "not run"
            if applied.code == 0:
                planned, plan_time, plan_peaks = launcher.plan(workspace)
                verdict = {0: "no changes", 2: "CHANGES PLANNED"}.get(planned.code, f"failed (exit {planned.code})")
                say(f"no-change plan: {verdict}, {plan_time:.1f} s wall; provider peak RSS {peaks_text(plan_peaks)}")
                if planned.code != 0:
                    print(tail(planned.output, 15))
                peak = mib(max(plan_peaks)) if plan_peaks else "?"
                plan_text = f"{plan_time:.1f} s, {peak}"
            destroyed, destroy_time, _ = launcher.destroy(workspace)
            left = sum(inventory_count(new_objects(aws)))
            say(f"destroy: {'complete' if destroyed.code == 0 else f'FAILED (exit {destroyed.code})'} in "
                f"{destroy_time:.1f} s; inventory after destroy: {left} objects")
            if destroyed.code != 0:
                print(tail(destroyed.output, 15))
            if applied.code == 0 and destroyed.code == 0 and plan_text != "not run":
                per_count[platforms] = {"apply": apply_time, "plan": plan_time, "destroy": destroy_time,
                                        "rss": max(plan_peaks, default=0)}
            throttled = sum(kinds.get("rate_limit", 0) for kinds in aws.faults().values())
            say(f"calls the emulator throttled (since the apply): {throttled}")
            label = f"{platforms} platform{'s' if platforms > 1 else ''}"
            report.add(f"{label}: no-change plan time, provider peak RSS", plan_text)
            report.add(
                f"{label}: apply / destroy (rate limited), inventory after",
                f"{'ok' if applied.code == 0 else 'failed'} {apply_time:.0f} s / "
                f"{'ok' if destroyed.code == 0 else 'failed'} {destroy_time:.0f} s, {left} left",
            )
            aws.configure({"rate_limits": {}})
    if len(per_count) > 1:
        small, large = min(per_count), max(per_count)
        heading(f"Scale: {large} platforms against {small}")
        for phase in ("apply", "plan", "destroy"):
            each_small = per_count[small][phase] / small
            each_large = per_count[large][phase] / large
            say(f"{phase}: {each_small:.1f} s a platform with {small}, {each_large:.1f} s a platform with {large}: "
                f"ratio {each_large / each_small:.2f} (1.00 is linear, below it better)")
            report.add(f"{phase} time a platform, {large} / {small} platforms", f"{each_large / each_small:.2f}")
        growth = per_count[large]["rss"] - per_count[small]["rss"]
        say(f"no-change plan peak RSS: {mib(int(per_count[small]['rss']))} with {small}, "
            f"{mib(int(per_count[large]['rss']))} with {large} ({mib(int(growth))} more)")


# -- main ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {','.join(PARTS)}")
    parser.add_argument("--starts", type=int, default=30, help="starts for the handshake figure")
    parser.add_argument("--platforms", type=int, default=10, help="platforms of the large scale run")
    parser.add_argument("--parallelism", type=parallelism_list, default=PARALLELISMS,
                        help="Terraform's -parallelism values for the timed apply and destroy, comma-separated "
                             f"(default: {','.join(map(str, PARALLELISMS))})")
    parser.add_argument("--trace", type=Path, help="keep the run's files here, with the emulator's call log "
                        "and Terraform's debug log of the apply")
    args = parser.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")

    report = Report()
    started = time.monotonic()
    binary = provider_binary() if parts - {"size"} else None
    if binary:
        profile = binary.parent.name
        print(f"binary under test: {relative(binary)} ({profile} build, {binary.stat().st_size / 1e6:.1f} MB)")
        if profile != "release":
            print("   (figures of a non-release build; `make bench PROFILE=release` measures the release one)")
        if is_stale(binary):
            print("   (older than the sources or Cargo.toml: `make build` rebuilds it)")
        report.add("binary under test", relative(binary))
    with tempfile.TemporaryDirectory(prefix="emreks-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        if args.trace:
            scratch = args.trace.resolve()
            scratch.mkdir(parents=True, exist_ok=True)
            print(f"the run's files stay in {scratch}")
        if "size" in parts:
            bench_size(report, scratch)
        if "handshake" in parts:
            bench_handshake(report, binary, args.starts)
        if parts & {"rss", "apply", "calls"}:
            (scratch / "platform-run").mkdir()
            bench_platform(report, binary, scratch / "platform-run", parts, args.trace is not None, args.parallelism)
        if "scale" in parts:
            (scratch / "scale-run").mkdir()
            bench_scale(report, binary, scratch / "scale-run", (1, args.platforms))
    heading(f"Summary ({time.monotonic() - started:.0f} s)")
    print(report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
