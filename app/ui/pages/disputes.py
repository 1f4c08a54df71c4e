"""矛盾纠纷 ledger page."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.services.context import Ctx
from app.services.ledger_query import (
    Cursor,
    DisputeRow,
    FilterChoices,
    LedgerFilter,
    Page,
    dispute_count,
    dispute_page,
    filter_choices,
)

from ..env import UiEnv
from ..i18n import tr
from ..ledger_model import Column, days_text, deadline_colour_for, status_colour
from ..ledger_page import LedgerPage

RIGHT = Qt.AlignmentFlag.AlignRight
CENTER = Qt.AlignmentFlag.AlignHCenter


def _amount(r: DisputeRow) -> str:
    return f"{r.amount_yuan:,.2f}".rstrip("0").rstrip(".") if r.amount_yuan else ""


class DisputesPage(LedgerPage):
    PAGE_KEY = "disputes"
    PAGE_TITLE = tr("矛盾纠纷")
    kind = "dispute"
    hint = tr("矛盾纠纷的排查登记、分流指派、调查调解、协议履行、回访和归档")
    new_label = tr("登记矛盾纠纷")
    default_sort = "registered_on"

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(env, parent)

    def columns(self) -> list[Column[Any]]:
        soon = deadline_colour_for(lambda: self.model.due_soon_days)
        cols: list[Column[DisputeRow]] = [
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
                tooltip=lambda r: (
                    tr("当前步骤期限：{0}").format(r.due_on) if r.due_on else tr("无在办期限")
                ),
            ),
            Column(tr("调解文书编号"), lambda r: r.mediation_no, "mediation_no", 180),
            Column(tr("受理日期"), lambda r: r.registered_on.isoformat(), "registered_on", 92),
            Column(tr("纠纷名称"), lambda r: r.title, "title", 230, tooltip=lambda r: r.title),
            Column(tr("类别"), lambda r: r.category, "category", 96),
            Column(tr("当事人"), lambda r: r.party_names, "party_names", 120),
            Column(tr("身份证号"), lambda r: r.id_number, None, 158),
            Column(tr("调解员"), lambda r: r.mediator_name, "mediator_name", 70),
            Column(tr("金额（元）"), _amount, "amount", 86, RIGHT),
            Column(
                tr("风险"),
                lambda r: r.risk_level + (tr("·重大") if r.is_major else ""),
                "risk_level",
                64,
                CENTER,
            ),
            Column(tr("登记站点"), lambda r: r.origin, "origin", 110),
        ]
        return list(cols)

    def read_page(
        self, ctx: Ctx, flt: LedgerFilter, sort: str, desc: bool, after: Cursor | None
    ) -> Page[Any]:
        return dispute_page(ctx, flt, sort=sort, descending=desc, after=after)

    def count(self, ctx: Ctx, flt: LedgerFilter) -> int:
        return dispute_count(ctx, flt)

    def choices(self, ctx: Ctx) -> FilterChoices:
        ch = filter_choices(ctx, "dispute")
        self.table.setColumnHidden(len(self.model.columns) - 1, not ch.origins)
        return ch

    def open_record(self, record_id: str) -> None:
        from ..forms.dispute_form import DisputeDialog

        DisputeDialog(self.env, record_id, parent=self).exec()

    def new_record(self) -> None:
        from ..forms.dispute_form import DisputeDialog

        dlg = DisputeDialog(self.env, None, parent=self)
        dlg.exec()
        if dlg.record_id:
            self.model.reload()
            self.select_record(dlg.record_id)
