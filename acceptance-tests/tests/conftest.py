import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.emulator import Emulator  # noqa: E402
from harness.terraform import Workspace, provider_block  # noqa: E402

ADMIN_ROLE = "arn:aws:iam::123456789012:role/PlatformAdmin"


def pytest_configure(config):
    # Long repetitions of a test that passes in `make test` with fewer
    # rounds; `make soak` runs them, `make test` leaves them out.
    config.addinivalue_line("markers", "soak: many repetitions; run by `make soak`, not by `make test`")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with Emulator(log_path=log) as running:
        yield running


@pytest.fixture
def aws(emulator):
    """The emulator, emptied before the test, holding only the admin role
    (which exists before any platform in a real account)."""
    emulator.reset()
    emulator.create_admin_role("PlatformAdmin")
    emulator.create_admin_role("OtherAdmin")
    emulator.mark_baseline()
    emulator.reset_stats()
    return emulator


@pytest.fixture
def workspace(tmp_path, aws):
    return Workspace(tmp_path / "tf", endpoint=aws.url)


@pytest.fixture
def provider(aws):
    """Renders a provider block aimed at the emulator."""

    def render(**kwargs):
        return provider_block(aws.url, **kwargs)

    return render
