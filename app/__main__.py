"""``python -m app`` / ``zongzhi``: the GUI when no command is given, else the CLI."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def _wants_gui(argv: Sequence[str]) -> bool:
    from app.cli import COMMANDS

    rest = list(argv)
    skip = False
    for arg in rest:
        if skip:
            skip = False
            continue
        if arg in ("--db", "--operator"):
            skip = True
            continue
        if arg.startswith(("--db=", "--operator=")):
            continue
        if arg in COMMANDS or arg in ("-h", "--help", "--version"):
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--self-test"]:  # installation check without a GUI (app/selftest.py)
        from app.selftest import main as self_test

        return self_test()
    if _wants_gui(args):
        from app.ui.app import run

        return run(args)
    from app.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
