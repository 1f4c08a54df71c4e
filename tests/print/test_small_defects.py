"""The smaller defects of issue 15, each checked from the printed PDF: a month to come is
refused (not printed as a 零报告), the system operator never appears as a signer (督办人：系统),
one signature line per person questioned, a 参加人 signature line in the 调解记录, one title for
the oral agreement form (the Ministry of Justice name 人民调解口头协议登记表, listed among the
人民调解文书 in the 卷宗 filing guide http://www.yunnanlong.com/c/051HTA942023_3.html)."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import Station, Supervision
from app.print import FORMS, render
from app.rules.errors import ValidationError
from app.services.context import Ctx, open_ctx
from app.services.disputes import SessionInput, record_session, register_dispute
from tests.builders import dispute_input
from tests.ledger_helpers import ledger_snapshot

from .conftest import mediated_dispute, pdf_text


def test_a_month_to_come_is_refused_not_printed_as_a_zero_report(ctx: Ctx, village_db) -> None:
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError) as err:
        render("month_report", ctx, "2026-04")  # the clock stands at 2026-03-16
    assert "通报月份" in str(err.value) and "2026年4月尚未到来" in str(err.value)
    assert ledger_snapshot(village_db) == before
    assert "工作通报" in pdf_text(render("month_report", ctx, "2026-03"))  # this month prints


def test_the_system_operator_is_never_printed_as_a_signer(township_db, clock) -> None:
    ctx = open_ctx(township_db, "admin", clock=clock)
    try:
        with ctx.write() as s:
            s.add(
                Station(
                    code="110105001001",
                    name="柳树村综治中心",
                    level="village",
                    parent_code="110105001000",
                )
            )
            s.add(
                Supervision(
                    supervision_no="（2026）东风督字第4号",
                    kind="supervise",
                    case_type="dispute",
                    case_id="0190c0de-0000-7000-8000-000000000002",
                    case_code="110105001001-2026-J-00013",
                    case_origin="110105001001",
                    case_title="张秀兰与李建国宅基地纠纷",
                    content="请抓紧化解。",
                    lead_name="王镇长",
                    responsible_unit="柳树村人民调解委员会",
                    responsible_person="李晓梅",
                    supervisor_name="系统",
                    due_on=date(2026, 3, 31),
                    issued_on=date(2026, 3, 16),
                )
            )
        text = pdf_text(render("supervision_notice", ctx, "（2026）东风督字第4号"))
    finally:
        ctx.close()
    assert "督办人" in text and "督办人系统" not in text and "系统" not in text


def test_each_person_questioned_and_each_participant_signs_on_a_line_of_his_own(ctx: Ctx) -> None:
    d = register_dispute(ctx, dispute_input(registered_on="2026-03-02")).record
    record_session(
        ctx,
        d.id,
        SessionInput(
            kind="investigation",
            held_at="2026-03-11 10:00",
            place="柳树村二组现场",
            mediators="李晓梅",
            recorder="赵琳",
            parties_present="张三、李四",
            content="查看了排水沟和围墙现场。",
        ),
    )
    text = pdf_text(render("investigation", ctx, d.case_code))
    assert "被调查人（签名）：张三" in text and "被调查人（签名）：李四" in text
    record_session(
        ctx,
        d.id,
        SessionInput(
            kind="mediation",
            held_at="2026-03-12 09:30",
            place="柳树村村委会调解室",
            mediators="李晓梅",
            recorder="赵琳",
            participants="王村长、周律师",
            content="继续调解。",
        ),
    )
    text = pdf_text(render("mediation_record", ctx, d.case_code))
    assert "参加人（签名）：王村长" in text and "参加人（签名）：周律师" in text


def test_the_oral_agreement_form_has_one_title(ctx: Ctx) -> None:
    d = mediated_dispute(ctx, agreement="oral")
    assert FORMS["oral_agreement"].title == "人民调解口头协议登记表"
    text = pdf_text(render("oral_agreement", ctx, d.case_code))
    assert text.startswith("人民调解口头协议登记表")
    dossier = pdf_text(render("dossier", ctx, d.case_code))
    assert "口头调解协议登记表" not in dossier.replace("人民调解口头协议登记表", "")


def test_one_date_style_and_one_amount_style_on_every_form(ctx: Ctx) -> None:
    """Dates as 2026年3月2日 and amounts as 3,000.00元 on forms, ledgers and reports alike."""
    import re

    from app.rules.text import format_yuan

    assert format_yuan(3000) == "3,000.00元" and format_yuan(1234.5, unit=False) == "1,234.50"
    d = mediated_dispute(ctx)
    iso = re.compile(r"\d{4}-\d{2}-\d{2}(?!\d)")
    for form, ref in (
        ("acceptance", d.case_code),
        ("closing_report", d.case_code),
        ("dispute_ledger", "2026-03"),
        ("month_report", "2026-03"),
    ):
        text = pdf_text(render(form, ctx, ref))
        assert not iso.search(text.replace(d.case_code, "")), (form, iso.search(text))
        amounts = re.findall(r"\d[\d,]*\.\d{2}(?=元)", text)
        assert all("," in a or len(a) <= 6 for a in amounts), (form, amounts)
