"""`make demo`: the complete example against the local AWS emulator, from
apply to an empty inventory."""

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.emulator import Emulator  # noqa: E402
from harness.terraform import REPO, Workspace  # noqa: E402

EXAMPLE = REPO / "examples" / "complete"


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="emreks-demo-") as scratch:
        step("Starting the local AWS emulator")
        with Emulator(log_path=Path(scratch) / "emulator.log") as aws:
            print(f"    {aws.url}")
            step("Creating the IAM role of the platform's admins and the notebook user (a real account has them already)")
            admin_role = aws.create_admin_role("PlatformAdmin")
            aws.client("iam").create_user(UserName="analyst")
            print(f"    {admin_role}, and the notebook user analyst")
            aws.mark_baseline()

            workspace = Workspace(Path(scratch) / "complete").copy_from(EXAMPLE)
            variables = [
                f"-var=aws_endpoint={aws.url}",
                f"-var=kubernetes_endpoint={aws.url}",
                f"-var=eks_admin_role_arn={admin_role}",
            ]
            step(f"terraform apply of examples/complete (provider {workspace_provider()})")
            applied = workspace.apply(*variables)
            print(tail(applied.stdout, 3))

            step("Outputs: the Studio URL and the ready-made job requests")
            print(json.dumps(workspace.outputs(), indent=2))

            step("Running the walkthrough's Pi job: terraform apply -invoke=action.emreks_spark_job.pi")
            aws.configure({"latency": {"emr-containers:job-run": 2.0}})  # each step of the run takes 2 s
            invoked = workspace.apply("-invoke=action.emreks_spark_job.pi", *variables)
            aws.configure({"latency": {}})
            print("\n".join("    " + line for line in invoked.stdout.splitlines() if line.startswith("Action ")))

            step("terraform plan again: nothing should change")
            planned = workspace.plan(*variables)
            print("    no changes" if planned.code == 0 else planned.output)

            step("What the emulator holds now")
            print(summary(aws.leftovers()))

            step("terraform destroy")
            destroyed = workspace.destroy(*variables)
            print(tail(destroyed.stdout, 1))

            step("What the emulator holds after destroy (besides the admin role and user)")
            left = aws.leftovers()
            print("    nothing: every object the provider made is gone" if not left else json.dumps(left, indent=2))
            if left or planned.code != 0:
                return 1
    step(f"Done in {time.monotonic() - started:.0f}s")
    return 0


def workspace_provider() -> str:
    from harness.terraform import provider_binary

    return provider_binary().relative_to(REPO)


def tail(text: str, lines: int) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


def summary(inventory: dict) -> str:
    return "\n".join(f"    {kind}: {len(ids)}" for kind, ids in sorted(inventory.items()))


if __name__ == "__main__":
    sys.exit(main())
