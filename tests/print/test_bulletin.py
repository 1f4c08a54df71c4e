"""月通报 as issued: a register record prints with its frozen figures and edited narrative."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.print import render
from app.rules.errors import NotFoundError
from app.services import registers as reg
from app.services.disputes import register_dispute
from tests.core.conftest import dispute_input


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_issued_bulletin_keeps_its_figures_and_text(ctx) -> None:
    register_dispute(ctx, dispute_input(registered_on="2026-03-02"))
    saved = reg.generate_bulletin(ctx, "2026-03").record
    assert saved.record_id is not None
    values = dict(saved.values)
    values["narrative"] = "一、总体情况\n本月全村矛盾纠纷总体平稳，特此通报。"
    reg.update_record(
        ctx, saved.record_id, {k: v for k, v in values.items() if not k.startswith("_")}
    )
    register_dispute(ctx, dispute_input(registered_on="2026-03-03"))  # after issuing
    text = _text(render("bulletin", ctx, saved.record_id))
    assert "本月全村矛盾纠纷总体平稳" in text
    assert "受理纠纷" in text
    live = _text(render("month_report", ctx, "2026-03"))
    assert live != text  # the live report counts the later dispute, the issued one does not


def test_bulletin_form_refuses_other_records(ctx) -> None:
    types = {t.source: t for t in reg.list_types(ctx)}
    other = next(t for s, t in types.items() if s == "")
    with pytest.raises(NotFoundError):
        render("bulletin", ctx, other.id)
