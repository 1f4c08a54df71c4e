"""Runtime CJK font resolution for the printed forms (DESIGN §8).

Each *role* of the official look gets the best TrueType face the machine has:

========  ============================================  =====================================
role      used for                                      preference
========  ============================================  =====================================
title     2号 小标宋 titles                               小标宋 → 中宋 → 黑体 → 宋体 → 仿宋
heading   3号 黑体 headings, table heads                  黑体 → 宋体 → 仿宋
body      3号 仿宋 running text                           仿宋 → 宋体 → 楷体 → 黑体
song      宋体 in tables and ledgers                      宋体 → 仿宋 → 黑体
kai       楷体 (second-level headings, notes)             楷体 → 仿宋 → 宋体
========  ============================================  =====================================

Sources, in order: Windows' own fonts (SimFang/SimSun/SimHei/SimKai, 仿宋_GB2312 …), the fonts
fontconfig knows on Linux (UOS/Kylin CESI fonts, AR PL UMing/UKai, WenQuanYi …), and last the
bundled WenQuanYi Micro Hei in ``resources/fonts`` (Apache-2.0). reportlab embeds TrueType
(``glyf``) outlines only, so CFF-flavoured OpenType fonts (Noto CJK, Source Han) are skipped.

Names are not all in the basic CJK block (𠮷 U+20BB7, 䶮 U+4DAE): after every other face the
chain holds the bundled *extension* faces in ``resources/fonts/ext`` — subsets of Hanazono
Mincho A/B (Hanazono Font License; CJK Extension A, B, C, D, E, F, compatibility ideographs)
and of BabelStone Han (Arphic Public License; Extension G and H as far as it goes). They are
loaded only when a text needs them. A character no face has is refused where it is typed
(:func:`app.rules.printable.check_printable`), so nothing prints as a box.

A glyph never prints as a box: :meth:`FontSet.markup` wraps every character the role's font
lacks in a ``<font>`` tag naming the first face of the fallback chain that has it (rare name
characters are not in 仿宋_GB2312, for example).

``ZONGZHI_PRINT_FONTS=bundled`` uses the bundled font for every role (reproducible output on
any machine); ``system`` (the default) prefers system fonts.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from app.config import resources_dir

ROLES = ("title", "heading", "body", "song", "kai")
BUNDLED_FILE = "wqy-microhei.ttc"
BUNDLED_FAMILY = "WenQuanYi Micro Hei"
# CJK extension fallbacks (no basic CJK in them, so they skip the usable-face probe), in order
EXT_DIR = "ext"
EXT_FILES: tuple[tuple[str, str], ...] = (
    ("HanaMinA-ext.ttf", "HanaMinA"),  # Extension A, U+9FA6–9FFF, compatibility ideographs
    ("HanaMinB-ext.ttf", "HanaMinB"),  # Extensions B–F
    ("BabelStoneHan-extG.ttf", "BabelStone Han"),  # Extensions G–H (partly)
)

# font classes, tested in this order against the lower-cased family names
_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("xbs", ("小标宋", "xiaobiaosong", "xbs")),
    ("zhongsong", ("中宋", "zhongsong")),
    ("fangsong", ("仿宋", "fangsong", "fang song", "simfang", "cesi_fs")),
    ("kai", ("楷", "kaiti", "simkai", "ukai", "cesi_kt", " kai")),
    ("hei", ("黑", "hei", "yahei", "droid sans fallback", "cesi_ht")),
    ("song", ("宋", "song", "simsun", "ming", "cesi_ss")),
)

_ROLE_CLASSES: dict[str, tuple[str, ...]] = {
    "title": ("xbs", "zhongsong", "hei", "song", "fangsong", "kai"),
    "heading": ("hei", "zhongsong", "song", "fangsong", "kai"),
    "body": ("fangsong", "song", "zhongsong", "kai", "hei"),
    "song": ("song", "zhongsong", "fangsong", "hei", "kai"),
    "kai": ("kai", "fangsong", "song", "zhongsong", "hei"),
}

# well-known names first (lower case substrings); the GB 2312 government fonts lead their class
_PREFERRED: tuple[str, ...] = (
    "方正小标宋",
    "fzxiaobiaosong",
    "cesi小标宋",
    "仿宋_gb2312",
    "fangsong_gb2312",
    "cesi仿宋",
    "simfang",
    "fangsong",
    "楷体_gb2312",
    "kaiti_gb2312",
    "cesi楷体",
    "simkai",
    "kaiti",
    "simhei",
    "cesi黑体",
    "microsoft yahei",
    "simsun",
    "cesi宋体",
    "stzhongsong",
    "ar pl uming",
    "ar pl ukai",
    "wenquanyi zen hei",
    "wenquanyi micro hei",
)


def _utf16_hex(code: int) -> str:
    try:
        return chr(code).encode("utf-16-be").hex().upper()
    except (UnicodeEncodeError, ValueError):  # a lone surrogate in a cmap
        return f"{code:04X}"


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with a character beyond U+FFFF written as its UTF-16 pair
    (<D842DFB7> for 𠮷): reportlab writes <20BB7>, which PDF readers reject, so a rare name
    character would not copy, search or extract."""
    cmap = ttfonts.makeToUnicodeCMap.__wrapped__(fontname, subset).split("\n")
    first = cmap.index(f"{len(subset)} beginbfchar") + 1
    cmap[first : first + len(subset)] = [
        f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)
    ]
    return "\n".join(cmap)


if not hasattr(ttfonts.makeToUnicodeCMap, "__wrapped__"):
    _to_unicode_cmap.__wrapped__ = ttfonts.makeToUnicodeCMap  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap

# characters every usable CJK face must have
_PROBE = "中华人民共和国调解协议书"


@dataclass(frozen=True)
class FaceInfo:
    """One TrueType face of a font file (``index`` inside a .ttc collection)."""

    path: str
    index: int
    families: tuple[str, ...]
    source: str = "system"  # system | bundled | ext (a bundled CJK-extension fallback)

    @property
    def family(self) -> str:
        return self.families[0] if self.families else Path(self.path).stem

    @property
    def font_class(self) -> str | None:
        return classify(self.families)

    def rank(self) -> tuple[int, int, str, int]:
        names = " ".join(self.families).lower()
        preferred = next((i for i, p in enumerate(_PREFERRED) if p in names), len(_PREFERRED))
        region = 0
        if re.search(r"\b(cn|sc|gb|prc)\b|简|gb2312|gb18030", names):
            region = -1
        elif re.search(r"\b(tw|hk|tc|mbe|mono)\b|等宽|等寬", names):
            region = 1
        return (preferred, region, self.path, self.index)


def classify(families: Iterable[str]) -> str | None:
    """The CJK style class of a face from its family names (any language)."""
    names = " " + " ".join(families).lower()
    for cls, keys in _CLASSES:
        if any(k in names for k in keys):
            return cls
    return None


# --- reading font files ----------------------------------------------------------------------


def read_faces(path: str | Path) -> list[tuple[int, tuple[str, ...], bool, bool]]:
    """(index, family names, has TrueType outlines, covers CJK) for each face of a font file.

    Reads only the table directory, ``name`` and ``OS/2``; unreadable files give ``[]``.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12:
                return []
            if head[:4] == b"ttcf":
                (count,) = struct.unpack(">I", head[8:12])
                if count > 64:
                    return []
                offsets = list(struct.unpack(f">{count}I", f.read(4 * count)))
            elif head[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO"):
                offsets = [0]
            else:
                return []
            return [_read_face(f, i, off) for i, off in enumerate(offsets)]
    except (OSError, struct.error, UnicodeDecodeError, ValueError):
        return []


def _read_face(f: BinaryIO, index: int, offset: int) -> tuple[int, tuple[str, ...], bool, bool]:
    f.seek(offset)
    sfnt = f.read(12)
    (num_tables,) = struct.unpack(">H", sfnt[4:6])
    tables: dict[bytes, tuple[int, int]] = {}
    directory = f.read(16 * num_tables)
    for i in range(num_tables):
        tag, _sum, toff, tlen = struct.unpack(">4sIII", directory[16 * i : 16 * i + 16])
        tables[tag] = (toff, tlen)
    truetype = b"glyf" in tables and b"CFF " not in tables and b"CFF2" not in tables
    families: list[str] = []
    if b"name" in tables:
        noff, nlen = tables[b"name"]
        f.seek(noff)
        data = f.read(min(nlen, 1 << 20))
        _fmt, count, string_offset = struct.unpack(">HHH", data[:6])
        for i in range(count):
            rec = data[6 + 12 * i : 18 + 12 * i]
            if len(rec) < 12:
                break
            platform, encoding, _lang, name_id, length, soff = struct.unpack(">HHHHHH", rec)
            if name_id not in (1, 4, 16):
                continue
            raw = data[string_offset + soff : string_offset + soff + length]
            if platform in (0, 3):
                text = raw.decode("utf-16-be", errors="ignore")
            elif platform == 1 and encoding == 0:
                text = raw.decode("latin-1")
            else:
                continue
            text = text.strip("\x00 ")
            if text and text not in families:
                families.append(text)
    cjk = False
    if b"OS/2" in tables:
        ooff, olen = tables[b"OS/2"]
        f.seek(ooff)
        os2 = f.read(min(olen, 100))
        if len(os2) >= 58:
            (range2,) = struct.unpack(">I", os2[46:50])
            cjk = bool(range2 & (1 << 27))  # bit 59: CJK Unified Ideographs
        if len(os2) >= 82:
            (pages,) = struct.unpack(">I", os2[78:82])
            cjk = cjk or bool(pages & ((1 << 18) | (1 << 20)))  # cp936 / cp950
    return index, tuple(families), truetype, cjk


# --- discovering system fonts ------------------------------------------------------------


def windows_font_dirs() -> list[Path]:
    dirs = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


def unix_font_dirs() -> list[Path]:
    home = Path.home()
    return [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local" / "share" / "fonts",
        home / ".fonts",
    ]


def scan_dirs(dirs: Iterable[Path], *, min_bytes: int = 1_000_000) -> list[FaceInfo]:
    """CJK TrueType faces in font files under ``dirs`` (recursively). Files under
    ``min_bytes`` are skipped unread: a face with the GB 2312 set is several megabytes, and a
    Windows fonts folder holds hundreds of small Latin fonts."""
    found: list[FaceInfo] = []
    for base in dirs:
        if not base.is_dir():
            continue
        for path in sorted(_font_files(base)):
            try:
                if path.stat().st_size < min_bytes:
                    continue
            except OSError:
                continue
            for index, families, truetype, cjk in read_faces(path):
                if truetype and cjk and families:
                    found.append(FaceInfo(str(path), index, families))
    return found


def _font_files(base: Path) -> Iterator[Path]:
    for root, _dirs, files in os.walk(base):
        for name in files:
            if name.lower().endswith((".ttf", ".ttc")):
                yield Path(root) / name


def fontconfig_faces() -> list[FaceInfo] | None:
    """CJK TrueType faces fontconfig knows, or ``None`` when fc-list is not available."""
    exe = shutil.which("fc-list")
    if not exe:
        return None
    try:
        out = subprocess.run(
            [exe, ":lang=zh", "--format", "%{file}|%{index}|%{family}|%{fontformat}\n"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    faces: list[FaceInfo] = []
    for line in sorted(out.splitlines()):
        parts = line.split("|")
        if len(parts) != 4 or parts[3].strip() != "TrueType":
            continue
        path, index, families = parts[0], parts[1], parts[2]
        if not path.lower().endswith((".ttf", ".ttc")):
            continue
        try:
            idx = int(index or 0)
        except ValueError:
            continue
        names = tuple(n.strip() for n in families.split(",") if n.strip())
        faces.append(FaceInfo(path, idx, names))
    return faces


def system_faces() -> list[FaceInfo]:
    if sys.platform.startswith("win"):
        return scan_dirs(windows_font_dirs())
    faces = fontconfig_faces()
    if faces is None:
        faces = scan_dirs(unix_font_dirs())
    return faces


def bundled_face() -> FaceInfo:
    path = resources_dir() / "fonts" / BUNDLED_FILE
    return FaceInfo(str(path), 0, (BUNDLED_FAMILY, "文泉驿微米黑"), source="bundled")


def ext_faces() -> list[FaceInfo]:
    """The bundled CJK-extension fallback faces (those present on disk), in chain order."""
    folder = resources_dir() / "fonts" / EXT_DIR
    return [
        FaceInfo(str(folder / name), 0, (family,), source="ext")
        for name, family in EXT_FILES
        if (folder / name).is_file()
    ]


def choose(faces: Iterable[FaceInfo], role: str) -> list[FaceInfo]:
    """Candidate faces for ``role``, best first (the bundled face is not included)."""
    by_class: dict[str, list[FaceInfo]] = {}
    for face in faces:
        cls = face.font_class
        if cls is not None:
            by_class.setdefault(cls, []).append(face)
    ordered: list[FaceInfo] = []
    for cls in _ROLE_CLASSES[role]:
        ordered.extend(sorted(by_class.get(cls, []), key=FaceInfo.rank))
    return ordered


# --- the font set used while drawing ------------------------------------------------------


@dataclass
class _Loaded:
    name: str  # registered reportlab font name
    face: FaceInfo
    glyphs: frozenset[int]


@dataclass
class FontSet:
    """The resolved fonts of this process: one face per role plus a glyph fallback chain."""

    candidates: dict[str, list[FaceInfo]]
    bundled: FaceInfo
    extensions: list[FaceInfo] = field(default_factory=list)
    _roles: dict[str, _Loaded] = field(default_factory=dict)
    _by_face: dict[tuple[str, int], _Loaded] = field(default_factory=dict)
    _chain: list[_Loaded] | None = None
    _queue: list[FaceInfo] = field(default_factory=list)
    _seen: set[tuple[str, int]] = field(default_factory=set)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # ------------------------------------------------------------------ loading
    def _load(self, face: FaceInfo) -> _Loaded | None:
        key = (face.path, face.index)
        if key in self._by_face:
            return self._by_face[key]
        name = f"ZZ-{next(_NAMES)}-{_ascii_name(face.family)}"
        try:
            font = TTFont(name, face.path, subfontIndex=face.index)
        except Exception:  # CFF outlines, broken files, unreadable collections
            return None
        glyphs = frozenset(font.face.charToGlyph)
        if face.source != "ext" and not all(ord(c) in glyphs for c in _PROBE):
            return None
        pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
        loaded = _Loaded(name, face, glyphs)
        self._by_face[key] = loaded
        return loaded

    def _role(self, role: str) -> _Loaded:
        if role not in ROLES:
            raise KeyError(role)
        with self._lock:
            hit = self._roles.get(role)
            if hit is not None:
                return hit
            for face in [*self.candidates.get(role, []), self.bundled]:
                loaded = self._load(face)
                if loaded is not None:
                    self._roles[role] = loaded
                    return loaded
            raise RuntimeError(f"找不到可用的中文字体（内置字体 {self.bundled.path} 缺失或损坏）")

    def font(self, role: str) -> str:
        """The registered reportlab font name for ``role`` (loads it on first use)."""
        return self._role(role).name

    def face(self, role: str) -> FaceInfo:
        return self._role(role).face

    def _pending(self) -> list[FaceInfo]:
        """Faces not yet in the chain, in fallback order (loaded only when needed)."""
        faces = [self.bundled]
        for role in ROLES:
            faces.extend(self.candidates.get(role, []))
        return faces + list(self.extensions)

    def _extend_chain(self) -> bool:
        """Load the next fallback face into the chain; False when there is none left."""
        assert self._chain is not None
        while self._queue:
            face = self._queue.pop(0)
            key = (face.path, face.index)
            if key in self._seen:
                continue
            self._seen.add(key)
            loaded = self._load(face)
            if loaded is not None:
                self._chain.append(loaded)
                return True
        return False

    def _start_chain(self) -> list[_Loaded]:
        if self._chain is None:
            chain: list[_Loaded] = []
            for role in ROLES:
                loaded = self._role(role)
                key = (loaded.face.path, loaded.face.index)
                if key not in self._seen:
                    self._seen.add(key)
                    chain.append(loaded)
            self._chain = chain
            self._queue = self._pending()
        return self._chain

    def chain(self) -> list[_Loaded]:
        """Glyph fallback order: the role fonts, the bundled font, the other system faces,
        then the bundled CJK-extension faces (all of them loaded; :meth:`font_for_char` loads them one at a time)."""
        with self._lock:
            self._start_chain()
            while self._extend_chain():
                pass
            assert self._chain is not None
            return list(self._chain)

    def _find(self, code: int) -> _Loaded | None:
        """The first face of the chain with ``code``, loading further faces only as needed."""
        with self._lock:
            chain = self._start_chain()
            i = 0
            while True:
                while i < len(chain):
                    if code in chain[i].glyphs:
                        return chain[i]
                    i += 1
                if not self._extend_chain():
                    return None

    # ------------------------------------------------------------------ glyphs
    def font_for_char(self, ch: str, role: str) -> str:
        """The font that draws ``ch`` in ``role``: the role's own, else the first that has it."""
        code = ord(ch)
        own = self._role(role)
        if code in own.glyphs or ch in "\n\t":
            return own.name
        found = self._find(code)
        return found.name if found is not None else own.name

    def font_covering(self, text: str, role: str) -> str:
        """One font for all of ``text`` (chart labels cannot switch fonts): the role's own
        when it has every character, else the first fallback face that has them all."""
        own = self._role(role)
        codes = {ord(c) for c in text if not c.isspace()}
        if codes <= own.glyphs:
            return own.name
        with self._lock:
            chain = self._start_chain()
            i = 0
            while True:
                while i < len(chain):
                    if codes <= chain[i].glyphs:
                        return chain[i].name
                    i += 1
                if not self._extend_chain():
                    return own.name

    def runs(self, text: str, role: str) -> list[tuple[str, str]]:
        """Split ``text`` into (font name, text) runs that each font can draw."""
        out: list[tuple[str, str]] = []
        own = self._role(role)
        for ch in text:
            name = own.name if ord(ch) in own.glyphs else self.font_for_char(ch, role)
            if out and out[-1][0] == name:
                out[-1] = (name, out[-1][1] + ch)
            else:
                out.append((name, ch))
        return out

    def markup(self, text: str, role: str) -> str:
        """``text`` escaped for a Paragraph of ``role``, with fallback fonts where needed.

        An ideographic space keeps its full width (two no-break spaces): reportlab would
        collapse it like any white space, and forms use it to space out labels and blanks."""
        own = self.font(role)
        text = text.replace("\u3000", "\xa0\xa0")
        if "  " in text:  # deliberate runs of spaces (column-like subtitles) keep their width
            text = re.sub(r" {2,}", lambda m: "\xa0" * len(m.group()), text)
        parts = []
        for name, run in self.runs(text, role):
            safe = escape(run)
            parts.append(safe if name == own else f'<font face="{name}">{safe}</font>')
        return "".join(parts)

    def uncovered(self, text: str) -> set[str]:
        """Characters of ``text`` that no available font can draw (they would print as boxes)."""
        missing = set()
        for ch in set(text):
            if ch.isspace() or ord(ch) < 32:
                continue
            if self._find(ord(ch)) is None:
                missing.add(ch)
        return missing

    def glyphs_of(self, font_name: str) -> frozenset[int]:
        """The code points a registered font covers (for tests and diagnostics)."""
        for loaded in self._by_face.values():
            if loaded.name == font_name:
                return loaded.glyphs
        raise KeyError(font_name)

    def loaded_faces(self) -> dict[str, FaceInfo]:
        """Registered font name → face, for every font loaded so far."""
        return {v.name: v.face for v in self._by_face.values()}

    def describe(self) -> dict[str, str]:
        """Role → "family (file)" (for ``zongzhi print --list`` and the about box)."""
        return {
            role: f"{self.face(role).family}（{Path(self.face(role).path).name}）" for role in ROLES
        }


def _ascii_name(family: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "", family)
    return name[:24] or "CJK"


_NAMES = count(1)
_FONTS: FontSet | None = None
_FONTS_LOCK = threading.Lock()


def resolve(mode: str | None = None) -> FontSet:
    """Discover fonts and build a :class:`FontSet` (``mode``: "system" or "bundled")."""
    mode = (mode or os.environ.get("ZONGZHI_PRINT_FONTS") or "system").strip().lower()
    faces = [] if mode == "bundled" else system_faces()
    return FontSet({role: choose(faces, role) for role in ROLES}, bundled_face(), ext_faces())


def get_fonts() -> FontSet:
    """The process-wide font set (discovered once, loaded lazily and thread-safely)."""
    global _FONTS
    with _FONTS_LOCK:
        if _FONTS is None:
            _FONTS = resolve()
        return _FONTS


def reset_fonts(mode: str | None = None) -> FontSet:
    """Re-discover fonts (tests; after the user installs a font)."""
    global _FONTS
    with _FONTS_LOCK:
        _FONTS = resolve(mode)
        return _FONTS
