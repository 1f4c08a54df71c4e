"""``python -m app`` / ``zongzhi``: the GUI when no command is given, else the CLI."""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Sequence
from typing import TextIO

# Qt's own options (``zongzhi -platform offscreen`` still starts the GUI; Qt accepts - and --)
_QT_VALUE_OPTIONS = frozenset(
    [
        "platform",
        "platformtheme",
        "plugin",
        "style",
        "stylesheet",
        "session",
        "display",
        "geometry",
        "qwindowgeometry",
        "qwindowtitle",
        "qwindowicon",
    ]
)
_QT_SWITCHES = frozenset(["reverse", "widgetcount", "nograb", "dograb", "sync"])
_GLOBAL_VALUE_OPTIONS = ("--db", "--operator", "--database-url")


def _wants_gui(argv: Sequence[str]) -> bool:
    """The desktop app only when the command line names no command and nothing unknown: a
    mistyped command (``zongzhi --db x stat``) or option goes to the CLI, which refuses it in
    Chinese with the list of commands — never a window (on a server: a silent hang)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in _GLOBAL_VALUE_OPTIONS:
            skip = True
            continue
        if arg.startswith(tuple(f"{o}=" for o in _GLOBAL_VALUE_OPTIONS)):
            continue
        if arg.startswith("-") and not arg.startswith("---"):
            name = arg.lstrip("-")
            if name in _QT_VALUE_OPTIONS:
                skip = True
                continue
            if name in _QT_SWITCHES or name.split("=", 1)[0] in _QT_VALUE_OPTIONS:
                continue
            if name.startswith("psn_"):  # macOS Finder's process serial number
                continue
        return False  # a command, a word that is not one, -h, --version, an unknown option
    return True


def configure_console(streams: Sequence[TextIO] | None = None) -> None:
    """Text for a person in a console, UTF-8 for a pipe or a file; never a crash on a character.

    A Windows console gets Unicode from Python whatever its code page; a pipe or a redirect
    gets the ANSI code page (936 in China), which cannot encode ✓ or 䶮 — and a frozen program
    ignores PYTHONIOENCODING. So output that does not go to a console is UTF-8 (what Notepad,
    Excel and any script reading JSON expect; names are never mangled); one who needs the old
    code page sets ``ZONGZHI_CONSOLE_ENCODING=gbk`` (a character it lacks becomes ``?``).
    """
    wanted = os.environ.get("ZONGZHI_CONSOLE_ENCODING", "").strip()
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue  # no console at all (a windowed program), or already replaced
        try:
            tty = stream.isatty()
        except (OSError, ValueError):
            tty = False
        try:
            if wanted:
                stream.reconfigure(encoding=wanted, errors="replace")
            elif tty:
                stream.reconfigure(errors="replace")
            elif codecs.lookup(stream.encoding or "ascii").name != "utf-8":
                stream.reconfigure(encoding="utf-8", errors="replace")
            else:
                stream.reconfigure(errors="replace")
        except (LookupError, OSError, ValueError):
            stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None:
        configure_console()
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
