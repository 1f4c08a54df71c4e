"""Deadlines (DESIGN §10), computed from dates, never typed in. All spans configurable.

Defaults follow the 信访工作条例 (15 days to decide on acceptance, 60 days to handle, at most 30
days' extension with approval; 复查/复核 30 days each), the 2002 人民调解工作若干规定 Art. 36
(mediation normally within one month) and 人民调解法 Art. 33 (30 days for judicial confirmation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from .dates import add_months
from .errors import ValidationError


@dataclass(frozen=True)
class Span:
    """A duration in calendar months plus days."""

    months: int = 0
    days: int = 0

    def after(self, start: date) -> date:
        return add_months(start, self.months) + timedelta(days=self.days)

    def label(self) -> str:
        parts = []
        if self.months:
            parts.append(f"{self.months}个月")
        if self.days:
            parts.append(f"{self.days}日")
        return "".join(parts) or "0日"


@dataclass(frozen=True)
class DeadlineConfig:
    visit_accept: Span = field(default_factory=lambda: Span(days=15))
    visit_handle: Span = field(default_factory=lambda: Span(days=60))
    visit_max_extension_days: int = 30
    visit_review: Span = field(default_factory=lambda: Span(days=30))
    mediation_general: Span = field(default_factory=lambda: Span(months=1))
    mediation_major: Span = field(default_factory=lambda: Span(months=1))
    judicial_confirmation: Span = field(default_factory=lambda: Span(days=30))
    follow_up_after_agreement: Span = field(default_factory=lambda: Span(days=30))
    due_soon_days: int = 3

    @classmethod
    def local_seed_rule(cls) -> DeadlineConfig:
        """The seeds' local rule: general disputes 15 days, major ones 2 months."""
        return cls(mediation_general=Span(days=15), mediation_major=Span(months=2))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeadlineConfig:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if isinstance(value, dict):
                kwargs[f.name] = Span(int(value.get("months", 0)), int(value.get("days", 0)))
            else:
                kwargs[f.name] = int(value)
        return cls(**kwargs)


def visit_accept_due(received: date, cfg: DeadlineConfig) -> date:
    """Decision on acceptance (受理/不予受理/告知) due."""
    return cfg.visit_accept.after(received)


def visit_handle_due(accepted: date, cfg: DeadlineConfig, extension_days: int = 0) -> date:
    """Handling (办结) due, plus an approved extension."""
    return cfg.visit_handle.after(accepted) + timedelta(days=extension_days)


def check_visit_extension(days: int, already: int, cfg: DeadlineConfig) -> None:
    if days <= 0:
        raise ValidationError.single(
            "extension_days", "延期天数", "必须大于0", "请填写需要延长的天数"
        )
    if already + days > cfg.visit_max_extension_days:
        raise ValidationError.single(
            "extension_days",
            "延期天数",
            f"累计将达{already + days}日，超过上限{cfg.visit_max_extension_days}日",
            f"最多还可延长{max(cfg.visit_max_extension_days - already, 0)}日",
        )


def mediation_due(accepted: date, cfg: DeadlineConfig, *, major: bool = False) -> date:
    span = cfg.mediation_major if major else cfg.mediation_general
    return span.after(accepted)


def judicial_confirmation_due(effective: date, cfg: DeadlineConfig) -> date:
    """Parties must jointly apply for 司法确认 within this date (人民调解法 Art. 33)."""
    return cfg.judicial_confirmation.after(effective)


def follow_up_due(agreement: date, cfg: DeadlineConfig) -> date:
    return cfg.follow_up_after_agreement.after(agreement)


def days_left(due: date | None, today: date) -> int | None:
    """Days until ``due`` (negative when overdue); ``None`` when there is no deadline."""
    if due is None:
        return None
    return (due - today).days


def deadline_label(due: date | None, today: date) -> str:
    left = days_left(due, today)
    if left is None:
        return ""
    if left < 0:
        return f"超期{-left}天"
    if left == 0:
        return "今日到期"
    return f"剩{left}天"
