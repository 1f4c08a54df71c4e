"""督办 / 交办 / 批注 at the township, feedback at the village: validation, permissions, states."""

from __future__ import annotations

import pytest

from app.models import Supervision
from app.rules.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError
from app.services.operators import OperatorInput, create_operator
from app.services.supervision import (
    FeedbackInput,
    SupervisionInput,
    add_feedback,
    close_supervision,
    create_supervision,
    list_supervisions,
    withdraw_supervision,
)

from .conftest import Node, ledger_digest
from .helpers import add_dispute, add_visit


@pytest.fixture
def synced(paired: tuple[Node, Node]) -> tuple[Node, Node, str, str]:
    village, township = paired
    d = add_dispute(village.ctx, 1)
    v = add_visit(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    return village, township, d.case_code, v.case_code


def _full(case: str, **over: object) -> SupervisionInput:
    data = SupervisionInput(
        case=case,
        kind="督办",
        content="请于月底前化解",
        lead_name="李镇长",
        responsible_unit="柳树村委会",
        responsible_person="王主任",
        measures="组织双方再次调解",
        due_on="2026-03-31",
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data


def test_supervision_needs_the_six_fixes(synced: tuple[Node, Node, str, str]) -> None:
    _, township, dcode, _ = synced
    before = ledger_digest(township.db)
    with pytest.raises(ValidationError) as err:
        create_supervision(township.ctx, SupervisionInput(case=dcode, kind="督办", content=""))
    fields = set(err.value.fields())
    assert {"content", "due_on", "responsible_unit", "responsible_person"} <= fields
    assert "办理时限" in str(err.value)
    with pytest.raises(ValidationError, match="早于督办日期"):
        create_supervision(township.ctx, _full(dcode, due_on="2026-01-01"))
    with pytest.raises(ValidationError, match="应为督办、交办或批注"):
        create_supervision(township.ctx, _full(dcode, kind="催办"))
    with pytest.raises(ValidationError, match="案件"):
        create_supervision(township.ctx, _full("110105001001-2026-J-09999"))
    assert ledger_digest(township.db) == before


def test_comment_needs_no_deadline_and_numbers_are_unique(
    synced: tuple[Node, Node, str, str],
) -> None:
    _, township, dcode, vcode = synced
    a = create_supervision(
        township.ctx, SupervisionInput(case=vcode, kind="批注", content="注意回访")
    )
    b = create_supervision(township.ctx, _full(dcode, kind="交办"))
    assert a.kind == "comment" and a.case_type == "visit" and b.kind == "assign"
    assert a.supervision_no == "110105001000-2026-D-00001" and b.supervision_no.endswith("00002")
    assert a.origin == township.code and a.issued_by_name


def test_who_may_supervise(synced: tuple[Node, Node, str, str]) -> None:
    village, township, dcode, _ = synced
    with pytest.raises((PermissionDenied, WorkflowError)):
        create_supervision(village.ctx, _full(dcode))
    own = add_dispute(township.ctx, 7)
    with pytest.raises(ValidationError, match="本站自己登记"):
        create_supervision(township.ctx, _full(own.case_code))


def test_feedback_states_close_and_withdraw(synced: tuple[Node, Node, str, str]) -> None:
    village, township, dcode, vcode = synced
    sup = create_supervision(township.ctx, _full(dcode))
    other = create_supervision(township.ctx, _full(vcode, kind="交办"))
    views = {v.record.id: v for v in list_supervisions(township.ctx)}
    assert views[sup.id].state == "open-awaiting" and views[sup.id].state_label == "待反馈"
    assert views[sup.id].station_name == "柳树村综治中心"
    assert village.import_(township.ack_for(village).path).status == "imported"
    with pytest.raises(ValidationError, match="反馈内容"):
        add_feedback(village.ctx, sup.supervision_no, FeedbackInput(content=""))
    with pytest.raises(ConflictError):  # the township cannot answer for the village
        add_feedback(township.ctx, sup.supervision_no, FeedbackInput(content="代答"))
    add_feedback(
        village.ctx, sup.supervision_no, FeedbackInput(progress="已办结", content="双方达成协议")
    )
    assert township.import_(village.export().path).status == "imported"
    views = {v.record.id: v for v in list_supervisions(township.ctx)}
    assert views[sup.id].state == "open-answered" and "已办结" in views[sup.id].state_label
    township.clock.advance(days=30)
    overdue = list_supervisions(township.ctx, overdue_only=True)
    assert {v.record.id for v in overdue} == {sup.id, other.id}  # answered is not done
    assert all(v.state == "overdue" and "超期" in v.state_label for v in overdue)
    close_supervision(township.ctx, sup.supervision_no, "已化解")
    with pytest.raises(WorkflowError):
        close_supervision(township.ctx, sup.supervision_no)
    with pytest.raises(ValidationError, match="撤销理由"):
        withdraw_supervision(township.ctx, other.supervision_no, "")
    withdraw_supervision(township.ctx, other.supervision_no, "误发")
    states = {v.record.id: v.state for v in list_supervisions(township.ctx)}
    assert states == {sup.id: "closed", other.id: "withdrawn"}
    # the status change travels down; the village sees it read-only
    assert village.import_(township.ack_for(village).path).status == "imported"
    village.ctx.session.expire_all()
    here = village.ctx.session.get(Supervision, sup.id)
    assert here is not None and here.status == "closed"
    with pytest.raises(WorkflowError):
        add_feedback(village.ctx, sup.supervision_no, FeedbackInput(content="再补充"))


def test_clerk_cannot_supervise(synced: tuple[Node, Node, str, str]) -> None:
    village, _, dcode, _ = synced
    create_operator(village.ctx, OperatorInput("clerk1", "录入员", "clerk", "clerk1234"))
    clerk = village.fresh_ctx("clerk1")
    with pytest.raises(PermissionDenied):
        create_supervision(clerk, _full(dcode))
    clerk.close()


def test_supervision_notice_prints_from_the_model(
    synced: tuple[Node, Node, str, str], tmp_path
) -> None:
    import subprocess

    from app.print.registry import render

    _, township, dcode, _ = synced
    sup = create_supervision(township.ctx, _full(dcode))
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(render("supervision_notice", township.ctx, sup.supervision_no))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "督办通知书" in text and sup.supervision_no in text and "王主任" in text
