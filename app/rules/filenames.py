"""File names made from what people typed (station names, form titles) that every system
accepts: Windows' reserved characters and device names, trailing dots and spaces, control
characters, path separators; the same name on Linux and Windows.

Rules from Microsoft's "Naming Files, Paths, and Namespaces"
(learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file): reserved characters
``< > : " / \\ | ? *`` and 0–31; reserved names CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9
(also with superscript digits ¹ ² ³, and also followed by an extension, "NUL.txt"); a name must
not end in a space or a period.
"""

from __future__ import annotations

import re
import unicodedata

_RESERVED_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$", re.I)
MAX_STEM = 80  # characters: leaves room for the folder within Windows' 260-character paths


def safe_stem(text: str, fallback: str = "文件", max_len: int = MAX_STEM) -> str:
    """``text`` as the stem of a file name (no extension): reserved characters become ``_``,
    runs of blanks one space, no leading or trailing dots and blanks, no device name."""
    name = unicodedata.normalize("NFC", text)
    name = _RESERVED_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"_{2,}", "_", name)
    name = name.strip(" ._")
    name = name[:max_len].rstrip(" .")
    if not name:
        return fallback
    if _DEVICE.match(name.split(".", 1)[0].strip()):
        name = f"_{name}"
    return name


def safe_file_name(text: str, extension: str, fallback: str = "文件") -> str:
    """``safe_stem(text)`` + ``extension`` (with its dot: ``.pdf``)."""
    return safe_stem(text, fallback) + extension
