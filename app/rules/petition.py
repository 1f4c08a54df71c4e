"""The statutory periods of a petition (信访事项) under the 信访工作条例 (2022), computed from the
dates a visit record holds, each with the article that sets it. Pure: dates in, dates out.

All periods are written in the regulation as «N日» — calendar days, counted from the day after
the starting act (only the 5 working days to object to a transfer, 第二十三条第三款, are working
days, and no form here uses them). The spans themselves come from
:class:`app.rules.deadlines.DeadlineConfig` (15 / 60 / ≤ 30 / 30 days by default).

Sources (the regulation's text as quoted by official pages; the full text itself was not in the
stored corpus):

* 第二十三条第一款 (register; tell the petitioner how it is handled; forward/assign within the
  system and say where; otherwise tell them the competent body) — 福田区信访局, 常见问题,
  https://www.szft.gov.cn/xxgk/cjwt/cghb/content/post_12295983.html
* 第二十三条第三款 (a forwarded/assigned matter: written notice of receipt within 15 days) —
  福田区信访局, https://www.szft.gov.cn/bmxx/qxfj/cjwt/content/post_12403598.html
* 第三十四条 (60 days from acceptance; extension approved by the head, ≤ 30 days, the petitioner
  told the reason) — 攀枝花市信访局, 信访事项办理的期限是多久,
  http://xfj.panzhihua.gov.cn/hdjl/zmhdcjwtzsk/rdwd/10216607.shtml (text), article number as cited
  with the text in public code (regulations list: 第三十四条 … 不得超过30日; 第三十五条 复查)
* 第三十五条 (复查: within 30 days of receiving the written reply, to the body above) and
  第三十六条 (复核) — 广东省信访局, 复查复核问答,
  http://gdwsxf.gd.gov.cn/hdjl/wdzsk/fcfh/content/post_3962125.html
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .deadlines import DeadlineConfig

REGULATION = "《信访工作条例》"
ART_RECEIVE = "第二十三条"  # register, tell, forward/assign, or point to the competent body
ART_HANDLE = "第三十四条"  # 60 days + ≤ 30 days' extension with reason
ART_OPINION = "第三十三条"  # the handling opinion (信访处理意见书) and what it states
ART_REVIEW = "第三十五条"  # 复查 within 30 days of the written reply
ART_RECHECK = "第三十六条"  # 复核 within 30 days of the review opinion


def cite(article: str) -> str:
    """``《信访工作条例》第三十四条``."""
    return f"{REGULATION}{article}"


@dataclass(frozen=True)
class PetitionPeriods:
    """The periods that apply to one petition, from the dates it holds (None: not yet started)."""

    accept_days: int
    handle_days: int
    max_extension_days: int
    review_days: int
    accept_due: date  # tell whether accepted (受理告知), from the day received
    handle_due: date | None  # 办结, from the day accepted, plus the extension granted
    extension_days: int
    # 复查 is asked for within review_days of the day the petitioner RECEIVES the written reply;
    # the record does not hold that day, so no date is computed for it (the notice states the span)

    @property
    def extension_left(self) -> int:
        return max(self.max_extension_days - self.extension_days, 0)


def _days(cfg_span_days: int, cfg_span_months: int, what: str) -> int:
    if cfg_span_months:
        raise ValueError(f"{what} must be set in days, as the regulation writes it")
    return cfg_span_days


def periods(
    cfg: DeadlineConfig,
    *,
    received: date,
    accepted: date | None = None,
    extension_days: int = 0,
) -> PetitionPeriods:
    """The periods of a petition received on ``received`` (accepted on ``accepted``, extended by
    ``extension_days``)."""
    accept_days = _days(cfg.visit_accept.days, cfg.visit_accept.months, "visit_accept")
    handle_days = _days(cfg.visit_handle.days, cfg.visit_handle.months, "visit_handle")
    review_days = _days(cfg.visit_review.days, cfg.visit_review.months, "visit_review")
    handle_due = None
    if accepted is not None:
        handle_due = cfg.visit_handle.after(accepted)
        handle_due += timedelta(days=extension_days)
    return PetitionPeriods(
        accept_days=accept_days,
        handle_days=handle_days,
        max_extension_days=cfg.visit_max_extension_days,
        review_days=review_days,
        accept_due=cfg.visit_accept.after(received),
        handle_due=handle_due,
        extension_days=extension_days,
    )
