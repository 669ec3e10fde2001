"""``python -m ambisketch`` and the ``ambisketch`` console script."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line (or the GUI when no sub-command is given)."""
    from ambisketch.app.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
