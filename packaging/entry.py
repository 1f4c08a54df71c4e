"""Entry script of the frozen program: the same as ``python -m app`` / ``zongzhi``."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _input_method() -> None:
    """Chinese input on Linux desktops whose input method is fcitx (UOS, Kylin).

    The Qt inside the program brings IBus and compose input plugins, not fcitx's: a plugin built
    for the system's Qt cannot load into this one. fcitx5 also speaks the IBus protocol (its
    ibus frontend), so when the session asks for fcitx and no fcitx plugin is bundled, Qt is
    pointed at IBus instead; without this no Chinese could be typed at all.
    """
    if not sys.platform.startswith("linux") or not getattr(sys, "frozen", False):
        return
    if not os.environ.get("QT_IM_MODULE", "").lower().startswith("fcitx"):
        return
    bundle = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    plugins = bundle / "PySide6" / "Qt" / "plugins" / "platforminputcontexts"
    if not any(plugins.glob("*fcitx*")):
        os.environ["QT_IM_MODULE"] = "ibus"


if __name__ == "__main__":
    _input_method()
    from app.__main__ import main

    sys.exit(main())
