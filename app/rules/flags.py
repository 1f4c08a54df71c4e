"""Visit flags: group visit from headcount, representatives cap, repeat visits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .errors import ValidationError

DEFAULT_GROUP_THRESHOLD = 5
MAX_REPRESENTATIVES = 5

FLAG_LABELS = {
    "is_group": "集体访",
    "is_joint_letter": "联名信",
    "is_skip_level": "越级",
    "is_repeat": "重复访",
    "is_anonymous": "匿名",
    "is_urgent": "紧急",
    "is_litigation": "涉法涉诉",
    "is_confidential": "保密",
    "is_accusation": "检举控告",
}


def is_group_visit(headcount: int, threshold: int = DEFAULT_GROUP_THRESHOLD) -> bool:
    """集体访: the headcount reaches the configured threshold (default 5)."""
    return headcount >= threshold


def check_headcount(headcount: int, petitioners: int) -> None:
    if headcount < 1:
        raise ValidationError.single("headcount", "来访人数", "至少为1人", "请填写实际来访人数")
    if headcount > 100000:
        raise ValidationError.single("headcount", "来访人数", "数值过大", "请核对人数")
    if petitioners > headcount:
        raise ValidationError.single(
            "headcount",
            "来访人数",
            f"（{headcount}人）少于已登记的信访人（{petitioners}人）",
            "请把人数改为不少于信访人名单",
        )


def representatives_warning(representatives: int) -> str | None:
    """信访条例: a group elects at most 5 representatives; warn, do not block."""
    if representatives > MAX_REPRESENTATIVES:
        return f"集体访代表为{representatives}人，超过规定的{MAX_REPRESENTATIVES}人，请引导推选代表"
    return None


@dataclass(frozen=True)
class PriorVisit:
    case_code: str
    received_on: date
    category: str | None


def is_repeat_visit(prior: Sequence[PriorVisit], received_on: date) -> bool:
    """重复访: a matched petitioner already has an earlier visit on record."""
    return any(p.received_on <= received_on for p in prior)
