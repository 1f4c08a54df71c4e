"""The mediation documents the 卷内目录 lists and the product did not print: 司法确认申请书
(人民调解法 第三十三条), 授权委托书, 卷宗情况说明 and 封底 — printed from records built through the
services; the dossier's list and the registry agree.

Quoted sources (see each form module's docstring for the addresses):

* 人民调解法 第三十三条: “双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院
  申请司法确认”;
* 法释〔2011〕5号 第三条: “委托他人代为申请的，必须向人民法院提交由委托人签名或者盖章的授权委托书”;
* 司法部《人民调解文书格式》卷内目录: 授权委托书 (按需), 司法确认材料 (按需), 卷宗情况说明 (按需),
  封底 (必备).
"""

from __future__ import annotations

import pytest

from app.print.forms.dossier import CONTENTS, FORMS_OF
from app.print.registry import FORMS, forms_for, render
from app.rules.errors import WorkflowError
from app.services.context import Ctx
from app.services.disputes import (
    DisputeAction,
    DisputeInput,
    PartyInput,
    advance_dispute,
    register_dispute,
)
from tests.conftest import FakeClock

from .conftest import (
    PEOPLE,
    assert_all_glyphs_present,
    assert_in_order,
    mediated_dispute,
    pdf_text,
    render_png,
)


def test_dossier_list_and_printable_forms_agree() -> None:
    docs = [doc for doc, _required in CONTENTS]
    assert set(FORMS_OF) <= set(docs)
    for keys in FORMS_OF.values():
        for key in keys:
            assert key in FORMS and "dispute" in FORMS[key].kinds, key
    # what is left are papers the parties bring, not documents the committee writes
    assert set(docs) - set(FORMS_OF) == {"当事人身份证明", "证据材料", "履行凭证"}
    assert FORMS["back_cover"].title == "卷宗封底"
    assert dict(CONTENTS)["封底"] is True


def test_judicial_confirmation_is_a_joint_application_within_30_days(
    ctx: Ctx, clock: FakeClock
) -> None:
    d = mediated_dispute(ctx, parties=3)
    assert "judicial_confirmation" in {s.key for s in forms_for("dispute", d)}
    pdf = render("judicial_confirmation", ctx, d.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "司法确认申请书",
        f"调解协议编号：{d.mediation_no}",
        "申请人：张秀兰",
        "申请人：李建国",
        "申请人：王德福",
        "请求事项：",
        "请求确认申请人张秀兰、李建国、王德福于2026年3月10日经",
        "主持调解达成的调解协议",
        "事实和理由：",
        "自愿达成调解协议，该协议自2026年3月10日起生效",
        "一、李建国于2026年3月20日前拆除压占排水沟的围墙",
        "依照《中华人民共和国人民调解法》第三十三条的规定",
        "双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认",
        "本协议申请期限至2026年4月9日",
        "由委托人签名或者盖章的授权委托书",
        "此致",
        "人民法院",
        "申请人1：张秀兰",
        "申请人3：王德福",
    )
    render_png(pdf, "judicial_confirmation", dpi=60)
    assert assert_all_glyphs_present(pdf) > 50
    clock.advance(days=30)  # 2026-04-15: the 30 days ran out on 2026-04-09
    with pytest.raises(WorkflowError, match="期限已于2026年4月9日届满"):
        render("judicial_confirmation", ctx, d.case_code)
    advance_dispute(
        ctx,
        d.id,
        "follow_up",
        DisputeAction(
            on="2026-04-14", performance_status="performed", judicial_confirmed=True, note="已履行"
        ),
    )
    assert "本协议申请期限至2026年4月9日" in pdf_text(
        render("judicial_confirmation", ctx, d.case_code)
    )  # the record says they applied: a reprint for the dossier


def test_oral_agreement_has_no_judicial_confirmation_form(ctx: Ctx) -> None:
    d = mediated_dispute(ctx, agreement="oral")
    assert "judicial_confirmation" not in {s.key for s in forms_for("dispute", d)}
    with pytest.raises(WorkflowError, match="口头协议"):
        render("judicial_confirmation", ctx, d.case_code)


def test_power_of_attorney_one_page_per_principal(ctx: Ctx) -> None:
    d = register_dispute(
        ctx,
        DisputeInput(
            category="邻里",
            summary="排水沟被填埋引发纠纷。",
            registered_on="2026-03-02",
            parties=[
                PartyInput(PEOPLE[0], "applicant", agent_name="张建华", agent_phone="13600136000"),
                PartyInput(PEOPLE[1], "respondent"),
            ],
        ),
    ).record
    pdf = render("power_of_attorney", ctx, d.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "授权委托书",
        "委托人：张秀兰（申请人）",
        "受托人：张建华，联系电话13600136000",
        "现委托张建华在",
        "作为我的委托代理人",
        "□一般代理",
        "□特别授权",
        "代为申请司法确认",
        "委托人：张秀兰",
        "受托人：张建华",
    )
    assert "李建国（" not in text
    render_png(pdf, "power_of_attorney", dpi=60)
    assert assert_all_glyphs_present(pdf) > 50
    plain = mediated_dispute(ctx)
    assert "power_of_attorney" not in {s.key for s in forms_for("dispute", plain)}
    with pytest.raises(WorkflowError, match="委托代理人"):
        render("power_of_attorney", ctx, plain.case_code)


def test_dossier_note_and_back_cover_at_filing(ctx: Ctx, clock: FakeClock) -> None:
    d = mediated_dispute(ctx)
    with pytest.raises(WorkflowError, match="尚未归档"):
        render("dossier_note", ctx, d.case_code)
    clock.advance(days=30)
    advance_dispute(
        ctx,
        d.id,
        "follow_up",
        DisputeAction(on="2026-04-10", performance_status="performed", note="已按协议履行"),
    )
    advance_dispute(ctx, d.id, "archive", DisputeAction(on="2026-04-12"))
    note = render("dossier_note", ctx, d.case_code)
    text = pdf_text(note)
    assert_in_order(
        text,
        "卷宗情况说明",
        "卷号：",
        "该纠纷于2026年3月2日受理，于2026年3月10日调解成功，达成书面调解协议，"
        "于2026年4月12日立卷归档",
        "本卷收入的文书：",
        "人民调解记录（1份）",
        "回访记录（已回访）",
        "需要说明的情况：",
        "协议履行情况：",
        "立卷人（签名）：",
        "2026年4月12日",
    )
    render_png(note, "dossier_note", dpi=60)
    assert assert_all_glyphs_present(note) > 50
    back = render("back_cover", ctx, d.case_code)
    text = pdf_text(back)
    assert_in_order(
        text, "卷内备考", "本卷共有文件材料", "立卷人", "立卷日期", "2026年4月12日", "检查人"
    )
    render_png(back, "back_cover", dpi=60)
    assert assert_all_glyphs_present(back) > 50
    contents = pdf_text(render("dossier", ctx, d.case_code))
    assert_in_order(contents, "卷宗情况说明", "封底")
