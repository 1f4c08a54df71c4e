"""Case codes (一案一码) and mediation numbers (（年）…调字第N号)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ValidationError

CASE_KINDS = {"visit": "X", "dispute": "J", "supervision": "D", "register": "T"}
_KIND_BY_LETTER = {v: k for k, v in CASE_KINDS.items()}
_CASE_RE = re.compile(r"^(\d{6,12})-(\d{4})-([A-Z])-(\d{5,})$")


@dataclass(frozen=True)
class CaseCode:
    station_code: str
    year: int
    kind: str
    seq: int

    def __str__(self) -> str:
        return format_case_code(self.station_code, self.year, self.kind, self.seq)


def format_case_code(station_code: str, year: int, kind: str, seq: int) -> str:
    """``110105001001-2026-J-00012``: station code + year + kind letter + sequence.

    It is allocated once, at registration, by the owning station and never changes, so the
    same code identifies the case at village, township and county.
    """
    return f"{station_code}-{year}-{CASE_KINDS[kind]}-{seq:05d}"


def parse_case_code(text: str) -> CaseCode:
    m = _CASE_RE.match(text.strip().upper())
    if not m or m.group(3) not in _KIND_BY_LETTER:
        raise ValidationError.single(
            "case_code", "案件编码", f"“{text}”格式不正确", "应形如 110105001001-2026-J-00012"
        )
    return CaseCode(m.group(1), int(m.group(2)), _KIND_BY_LETTER[m.group(3)], int(m.group(4)))


def format_mediation_no(year: int, prefix: str, seq: int) -> str:
    """（2026）柳调字第3号 — sequence per committee per year."""
    return f"（{year}）{prefix}调字第{seq}号"


def format_dossier_no(year: int, seq: int) -> str:
    """卷号 （2026）人调字第3号."""
    return f"（{year}）人调字第{seq}号"


def check_prefix(prefix: str) -> str:
    prefix = prefix.strip()
    if not prefix or len(prefix) > 10 or any(c in prefix for c in "（）()第号 "):
        raise ValidationError.single(
            "mediation_prefix",
            "文书编号前缀",
            f"“{prefix}”不可用",
            "请填写调委会简称，如“柳”或“柳树村”，不超过10个字，不含括号和“第”“号”",
        )
    return prefix
