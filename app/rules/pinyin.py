"""Pinyin search keys for names: full pinyin and initials (``zs`` finds 张三).

pypinyin is imported on first use: its phrase dictionary costs ~150 ms and ~55 MB, which the
GUI's start-up and a clerk who only reads the ledger should not pay (DESIGN §9 targets).
"""

from __future__ import annotations

# Surnames whose reading differs from the character's default reading.
_SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "长孙": ("zhang", "sun"),
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "乐": ("yue",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "盖": ("ge",),
    "覃": ("qin",),
    "佘": ("she",),
    "召": ("shao",),
    "种": ("chong",),
    "燕": ("yan",),
    "华": ("hua",),
}
_SURNAMES_LONGEST_FIRST = sorted(_SURNAME_READINGS, key=len, reverse=True)


def name_syllables(name: str) -> list[str]:
    name = name.strip()
    syllables: list[str] = []
    rest = name
    for surname in _SURNAMES_LONGEST_FIRST:
        if rest.startswith(surname):
            syllables.extend(_SURNAME_READINGS[surname])
            rest = rest[len(surname) :]
            break
    from pypinyin import Style, lazy_pinyin

    syllables.extend(lazy_pinyin(rest, style=Style.NORMAL, errors="ignore"))
    return [s.lower() for s in syllables if s and s.isascii() and s.isalpha()]


def name_keys(name: str) -> tuple[str, str]:
    """Return (full pinyin without spaces, initials), both lower case."""
    syllables = name_syllables(name)
    return "".join(syllables), "".join(s[0] for s in syllables)


def text_initials(text: str) -> str:
    """Initials of any Chinese text (for searching titles by pinyin initials)."""
    from pypinyin import lazy_pinyin

    return "".join(s[0] for s in lazy_pinyin(text, errors="ignore") if s and s.isascii())


def label_keys(label: str) -> tuple[str, str]:
    """(full pinyin, initials) of a code-table label, lower case, letters only."""
    from pypinyin import lazy_pinyin

    syllables = [
        s.lower() for s in lazy_pinyin(label, errors="ignore") if s.isascii() and s.isalpha()
    ]
    return "".join(syllables), "".join(s[0] for s in syllables)


def type_ahead(query: str, labels: list[str]) -> int | None:
    """The label a clerk means by typing ``query`` into a list: by characters (村务), by
    pinyin initials (cw → 村务管理) or by full pinyin (cunwu). Prefix matches beat
    substring matches; earlier entries win ties. None when nothing matches."""
    q = query.strip().lower()
    if not q:
        return None
    keys = [label_keys(label) for label in labels]
    chars = query.strip()
    for rank in range(5):
        for i, label in enumerate(labels):
            full, initials = keys[i]
            hit = (
                label.startswith(chars),
                initials.startswith(q),
                full.startswith(q),
                chars in label,
                q in initials,
            )[rank]
            if label and hit:
                return i
    return None
