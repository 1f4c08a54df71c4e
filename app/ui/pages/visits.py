"""来信来访 ledger page."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.services.context import Ctx
from app.services.ledger_query import (
    Cursor,
    FilterChoices,
    LedgerFilter,
    Page,
    VisitRow,
    filter_choices,
    visit_count,
    visit_page,
)

from ..env import UiEnv
from ..i18n import tr
from ..ledger_model import Column, days_text, deadline_colour_for, status_colour
from ..ledger_page import LedgerPage

RIGHT = Qt.AlignmentFlag.AlignRight
CENTER = Qt.AlignmentFlag.AlignHCenter


class VisitsPage(LedgerPage):
    PAGE_KEY = "visits"
    PAGE_TITLE = tr("来信来访")
    kind = "visit"
    hint = tr("群众来信、来访、来电和网上信访的登记、审核、受理、办理、回访和归档")
    new_label = tr("登记来信来访")
    default_sort = "received_on"

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(env, parent)

    def columns(self) -> list[Column[Any]]:
        soon = deadline_colour_for(lambda: self.model.due_soon_days)

        def dl_tip(r: VisitRow) -> str:
            return tr("当前步骤期限：{0}").format(r.due_on) if r.due_on else tr("无在办期限")

        cols: list[Column[VisitRow]] = [
            Column(tr("案件编码"), lambda r: r.case_code, "case_code", 205),
            # 状态 and 期限 next to the code: visible without scrolling on a 1280-px screen
            Column(
                tr("状态"), lambda r: r.status_label, "status", 74, CENTER, colour=status_colour
            ),
            Column(
                tr("期限"),
                lambda r: days_text(r.days_left),
                "due_on",
                82,
                CENTER,
                colour=soon,
                tooltip=dl_tip,
            ),
            Column(tr("登记日期"), lambda r: r.received_on.isoformat(), "received_on", 92),
            Column(tr("形式"), lambda r: r.channel, "channel", 52, CENTER),
            Column(tr("信访人"), lambda r: r.party_names, "party_names", 110),
            Column(tr("身份证号"), lambda r: r.id_number, None, 158),
            Column(tr("人数"), lambda r: str(r.headcount), "headcount", 46, RIGHT),
            Column(tr("内容分类"), lambda r: r.category, "category", 96),
            Column(tr("事由"), lambda r: r.subject, "subject", 250, tooltip=lambda r: r.subject),
            Column(tr("标记"), lambda r: r.flags, None, 110, tooltip=lambda r: r.flags),
            Column(tr("登记站点"), lambda r: r.origin, "origin", 110),
        ]
        return list(cols)

    def read_page(
        self, ctx: Ctx, flt: LedgerFilter, sort: str, desc: bool, after: Cursor | None
    ) -> Page[Any]:
        return visit_page(ctx, flt, sort=sort, descending=desc, after=after)

    def count(self, ctx: Ctx, flt: LedgerFilter) -> int:
        return visit_count(ctx, flt)

    def choices(self, ctx: Ctx) -> FilterChoices:
        ch = filter_choices(ctx, "visit")
        self.table.setColumnHidden(len(self.model.columns) - 1, not ch.origins)
        return ch

    def open_record(self, record_id: str) -> None:
        from ..forms.visit_form import VisitDialog

        VisitDialog(self.env, record_id, parent=self).exec()

    def new_record(self) -> None:
        from ..forms.visit_form import VisitDialog

        dlg = VisitDialog(self.env, None, parent=self)
        dlg.exec()
        if dlg.record_id:
            self.model.reload()
            self.select_record(dlg.record_id)
