"""Each form's fixed wording checked against its official source: the text is extracted from the
PDF (pypdf) and every fragment the form must carry is (1) a verbatim part of the quoted source
sentence and (2) present in the PDF. The quoted sentences are kept here with their source.

Sources:

* LAW — 《中华人民共和国人民调解法》(2010), full text in GitHub LawRefBook/Laws,
  诉讼与非诉讼程序法/人民调解法.md (commit d7dff8469fd023ff2455d74c99ff1cb93189bdbb);
* MOJ — 司法部《人民调解文书格式》as used in a county's 调解卷宗 template, “调解卷宗.docx”,
  https://bdocx.com/doc/4951888.html (申请书, 受理登记表, 权利义务告知书 heading, 卷内目录);
* MOJ_FILL — filling rules for 协议书/回访记录/结案报告表, “人民调解卷宗是怎么写的”,
  http://www.yunnanlong.com/c/051HTA942023_3.html;
* RECORD — 人民调解记录 (MBA智库百科), https://wiki.mbalib.com/zh-tw/人民调解记录 (首部: 时间、
  地点、事由、参加人、当事人; signed after being read back);
* RULES_2002 — 《人民调解工作若干规定》(司法部令第75号) 第三十四~三十九条,
  http://www.fymate.net/html/text/lar/168954/16895461_5.html;
* PETITION — 《信访工作条例》(2022) as quoted by official pages, see :mod:`app.rules.petition`
  (福田区信访局 第二十三条; 攀枝花市信访局 60/30日; 广东省信访局 复查/复核);
* SPC_2011 — 最高人民法院《关于人民调解协议司法确认程序的若干规定》(法释〔2011〕5号),
  http://www.longnan.sys.jixi.ww38.viennacitytours.com/a/211.html.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.models import Dispute
from app.print.registry import render
from app.services.context import Ctx
from app.services.disputes import (
    DisputeAction,
    DisputeInput,
    PartyInput,
    SessionInput,
    advance_dispute,
    record_session,
    register_dispute,
)
from app.services.visits import VisitAction, advance_visit, register_visit
from tests.builders import visit_input
from tests.conftest import FakeClock

from .conftest import PEOPLE, mediated_dispute, pdf_text

# --- the quoted sources (verbatim) ------------------------------------------------------------------

LAW_3 = (
    "人民调解委员会调解民间纠纷，应当遵循下列原则:（一）在当事人自愿、平等的基础上进行调解；"
    "（二）不违背法律、法规和国家政策；（三）尊重当事人的权利，不得因调解而阻止当事人依法通过"
    "仲裁、行政、司法等途径维护自己的权利。"
)
LAW_4 = "人民调解委员会调解民间纠纷，不收取任何费用。"
LAW_23 = (
    "当事人在人民调解活动中享有下列权利:（一）选择或者接受人民调解员；（二）接受调解、拒绝调解"
    "或者要求终止调解；（三）要求调解公开进行或者不公开进行；（四）自主表达意愿、自愿达成调解协议。"
)
LAW_24 = (
    "当事人在人民调解活动中履行下列义务:（一）如实陈述纠纷事实；（二）遵守调解现场秩序，尊重人民"
    "调解员；（三）尊重对方当事人行使权利。"
)
LAW_25 = (
    "人民调解员在调解纠纷过程中，发现纠纷有可能激化的，应当采取有针对性的预防措施；对有可能引起"
    "治安案件、刑事案件的纠纷，应当及时向当地公安机关或者其他有关部门报告。"
)
LAW_26 = (
    "人民调解员调解纠纷，调解不成的，应当终止调解，并依据有关法律、法规的规定，告知当事人可以依法"
    "通过仲裁、行政、司法等途径维护自己的权利。"
)
LAW_29 = (
    "调解协议书可以载明下列事项:（一）当事人的基本情况；（二）纠纷的主要事实、争议事项以及各方"
    "当事人的责任；（三）当事人达成调解协议的内容，履行的方式、期限。调解协议书自各方当事人签名、"
    "盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。调解协议书由当事人各执一份，"
    "人民调解委员会留存一份。"
)
LAW_30 = "口头调解协议自各方当事人达成协议之日起生效。"
LAW_31 = "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
LAW_33 = (
    "经人民调解委员会调解达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起三十日内"
    "共同向人民法院申请司法确认，人民法院应当及时对调解协议进行审查，依法确认调解协议的效力。"
)
RULES_2002_34 = "（四）履约的方式、地点、期限；"
RULES_2002_36 = (
    "人民调解委员会应当及时调解纠纷，一般在一个月内完成调解，有特殊情况一个月内不能完成调解的，"
    "经纠纷双方当事人同意可以继续调解。"
)
MOJ_APPLICATION = (
    "人民调解委员会已将申请人民调解的相关规定告知我,现自愿申请人民调解委员会进行调解。"
)
MOJ_APPLICATION_FIELDS = (
    "申请人姓名性别民族年龄职业或职务联系方式单位或住址纠纷简要情况陈述当事人申请事项"
)
MOJ_ACCEPTANCE = (
    "年月日,本人民调解委员会经当事人同意,调解、之间的纠纷。纠纷类型:案件来源:①当事人申请"
)
MOJ_RIGHTS = (
    "根据有关法律、法规的要求,现将人民调解委员会的性质、调解原则和法律效果,以及在调解中各方当事人"
    "享有的权利和应当承担的义务告知如下:"
)
MOJ_FILL_FOLLOW_UP = (
    "关于“调解协议编号”的填写 。同《协议书》的编号 。3、关于“回访事由”的填写 。填写纠纷名称 。"
    "4、关于“回访情况”的填写 。包括当事人履行协议的情况和对处理结果的满意程度 。"
)
MOJ_FILL_CLOSING = (
    "1、“卷号”同卷宗封面的卷号 。2、填表时间填写立卷日期 。3、承办单位写XX调委会 。"
    "4、承办人与卷宗封面的调解员一致 。5、受案时间与受理登记表中受理时间一致 。"
    "6、结案时间写履行完毕、处理完后的时间 。"
)
RECORD_HEAD = "“時間”、“地點”、“事由”、“參加人” 、“當事人”"
RECORD_HEAD_SIMPLIFIED = "“时间”、“地点”、“事由”、“参加人” 、“当事人”"  # the same, in 简体
RECORD_READ_BACK = "記錄經當事人校閱或向當事人宣讀後,由當事人、調解員、記錄人簽名。"
PETITION_23_1 = (
    "对属于本系统下级机关、单位职权范围的，应当转送、交办有权处理的机关、单位，并告知信访人转送、"
    "交办去向；对不属于本机关、单位或者本系统职权范围的，应当告知信访人向有权处理的机关、单位提出。"
)
PETITION_23_3 = "有关机关、单位应当自收到之日起15日内书面告知信访人接收情况以及处理途径和程序"
PETITION_34 = (
    "信访事项应当自受理之日起60日内办结。…经本级行政机关负责人批准，可以适当延长办理期限，"
    "但延长期限不得超过30日，并且需要告知信访人延期理由。"
)
PETITION_35 = "信访人对信访处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关、单位的上一级机关、单位复查"
SPC_2011_3 = "委托他人代为申请的，必须向人民法院提交由委托人签名或者盖章的授权委托书。"

# the source's own half-width punctuation and spacing do not count
_NORM = str.maketrans({",": "，", ":": "：", "(": "（", ")": "）", ";": "；"})


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_NORM)


def _check(pdf_text_: str, source: str, *fragments: str) -> None:
    src, pdf = _norm(source), _norm(pdf_text_)
    for f in fragments:
        key = _norm(f)
        assert key in src, f"“{f}” is not the source's wording"
        assert key in pdf, f"the form lacks the source's wording “{f}”"


# --- records built through the services --------------------------------------------------------------


@pytest.fixture
def written(ctx: Ctx) -> str:
    return mediated_dispute(ctx).case_code


def test_application_and_acceptance_follow_the_ministry_format(ctx: Ctx, written: str) -> None:
    app_text = pdf_text(render("application", ctx, written))
    _check(
        app_text,
        MOJ_APPLICATION,
        "人民调解委员会已将申请人民调解的相关规定告知我",
        "现自愿申请人民调解委员会进行调解。",
    )
    _check(app_text, MOJ_APPLICATION_FIELDS, "职业或职务", "单位或住址", "纠纷简要情况")
    acc = pdf_text(render("acceptance", ctx, written))
    _check(
        acc,
        MOJ_ACCEPTANCE,
        "本人民调解委员会经当事人同意，调解",
        "纠纷类型",
        "案件来源",
        "当事人申请",
    )


def test_rights_notice_quotes_the_law(ctx: Ctx, written: str) -> None:
    text = pdf_text(render("rights_notice", ctx, written))
    _check(
        text,
        LAW_3,
        "在当事人自愿、平等的基础上进行调解",
        "不违背法律、法规和国家政策",
        "尊重当事人的权利，不得因调解而阻止当事人依法通过仲裁、行政、司法等途径维护自己的权利。",
    )
    _check(text, LAW_4, "不收取任何费用。")
    _check(
        text,
        LAW_23,
        "（一）选择或者接受人民调解员；",
        "（二）接受调解、拒绝调解或者要求终止调解；",
        "（三）要求调解公开进行或者不公开进行；",
        "（四）自主表达意愿、自愿达成调解协议。",
    )
    _check(
        text,
        LAW_24,
        "（一）如实陈述纠纷事实；",
        "（二）遵守调解现场秩序，尊重人民调解员；",
        "（三）尊重对方当事人行使权利。",
    )
    _check(
        text,
        LAW_25,
        "纠纷有可能激化的",
        "采取有针对性的预防措施",
        "有可能引起治安案件、刑事案件的纠纷",
        "及时向当地公安机关或者其他有关部门报告。",
    )
    _check(text, LAW_26, "告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。")
    _check(
        text, LAW_31, "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
    )
    _check(
        text,
        LAW_33,
        "双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认",
    )
    _check(text, MOJ_RIGHTS, "享有的权利和", "义务告知如下：")


def test_agreement_quotes_the_law(ctx: Ctx, written: str) -> None:
    text = pdf_text(render("agreement", ctx, written))
    _check(
        text,
        LAW_29,
        "主要事实、争议事项",
        "当事人各执一份，人民调解委员会留存一份。",
        "自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。",
    )
    _check(text, RULES_2002_34, "方式、地点、期限")
    _check(
        text,
        LAW_33,
        "双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认",
    )


def test_oral_agreement_quotes_the_law(ctx: Ctx) -> None:
    d = mediated_dispute(ctx, agreement="oral")
    text = pdf_text(render("oral_agreement", ctx, d.case_code))
    _check(text, LAW_30, "口头调解协议自各方当事人达成协议之日起生效。")
    _check(text, LAW_29, "主要事实、争议事项")


def test_session_records_follow_the_record_format(ctx: Ctx) -> None:
    d = register_dispute(
        ctx,
        DisputeInput(
            category="邻里",
            summary="排水沟被填埋引发纠纷。",
            registered_on="2026-03-02",
            parties=[PartyInput(PEOPLE[0], "applicant"), PartyInput(PEOPLE[1], "respondent")],
        ),
    ).record
    advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="李晓梅", on="2026-03-03"))
    for kind in ("investigation", "mediation"):
        record_session(
            ctx,
            d.id,
            SessionInput(
                kind=kind,
                held_at="2026-03-05 09:30",
                place="柳树村村委会",
                mediators="李晓梅",
                recorder="赵琳",
                content="双方陈述。",
                result="待续",
            ),
        )
    med = pdf_text(render("mediation_record", ctx, d.case_code))
    _check(med, RECORD_HEAD_SIMPLIFIED, "时间", "地点", "事由", "参加人", "当事人")
    # RECORD_READ_BACK: read back to (or checked by) the parties, then signed by all
    assert "宣讀" in RECORD_READ_BACK and "向当事人宣读" in med and "记录人（签名）" in med
    inv = pdf_text(render("investigation", ctx, d.case_code))
    _check(inv, RECORD_HEAD_SIMPLIFIED, "时间", "地点", "事由")
    assert "调查人" in inv and "被调查人" in inv


def test_follow_up_and_closing_report_follow_the_filling_rules(
    ctx: Ctx, clock: FakeClock, written: str
) -> None:
    d_id = ctx.session.scalar(select(Dispute.id).where(Dispute.case_code == written))
    assert d_id is not None
    clock.advance(days=30)
    advance_dispute(
        ctx,
        d_id,
        "follow_up",
        DisputeAction(on="2026-04-10", performance_status="performed", note="已履行"),
    )
    advance_dispute(ctx, d_id, "archive", DisputeAction(on="2026-04-12"))
    fu = pdf_text(render("follow_up", ctx, written))
    _check(fu, MOJ_FILL_FOLLOW_UP, "调解协议编号", "回访事由", "回访情况")
    closing = pdf_text(render("closing_report", ctx, written))
    _check(
        closing, MOJ_FILL_CLOSING, "卷号", "填表时间", "承办单位", "承办人", "受案时间", "结案时间"
    )
    # 填表时间填写立卷日期; 结案时间 = performance completed (the follow-up)
    assert "填表时间2026年4月12日" in closing and "结案时间2026年4月10日" in closing
    _check(
        pdf_text(render("receipt", ctx, written)),
        RULES_2002_36,
        "一个月内完成",
        "经纠纷双方当事人同意可以继续调解",
    )


# --- petition forms ---------------------------------------------------------------------------------


def _visit_through(ctx: Ctx, clock: FakeClock, *steps: tuple[str, VisitAction]) -> str:
    v = register_visit(ctx, visit_input(received_at="2026-03-02 09:00")).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意", on="2026-03-03"))
    for action, details in steps:
        advance_visit(ctx, v.id, action, details)
    return v.case_code


PETITION_CASES: list[
    tuple[str, Callable[[], list[tuple[str, VisitAction]]], str, tuple[str, ...]]
] = [
    (
        "receipt",
        lambda: [],
        PETITION_34,
        ("自受理之日起60日内办结", "可以适当延长办理期限，但延长期限不得超过30日"),
    ),
    (
        "petition_accept",
        lambda: [("accept", VisitAction(note="受理", on="2026-03-05"))],
        PETITION_34,
        ("信访事项应当自受理之日起60日内办结", "延长期限不得超过30日"),
    ),
    (
        "petition_reject",
        lambda: [("reject", VisitAction(note="诉讼事项", unit="县人民法院", on="2026-03-05"))],
        PETITION_23_1,
        ("向有权处理的机关、单位提出",),
    ),
    (
        "petition_transfer",
        lambda: [
            ("accept", VisitAction(note="受理", on="2026-03-05")),
            ("transfer", VisitAction(note="请办理", unit="镇司法所", on="2026-03-06")),
        ],
        PETITION_23_3,
        ("应当自收到之日起15日内书面告知", "接收情况以及处理途径和程序"),
    ),
    (
        "transfer_notice",
        lambda: [
            ("accept", VisitAction(note="受理", on="2026-03-05")),
            ("transfer", VisitAction(note="请办理", unit="镇司法所", on="2026-03-06")),
        ],
        PETITION_23_3,
        ("自收到之日起15日内书面告知信访人接收情况以及处理途径和程序",),
    ),
    (
        "petition_extension",
        lambda: [
            ("accept", VisitAction(note="受理", on="2026-03-05")),
            ("handle", VisitAction(note="办理", on="2026-03-06")),
            ("extend", VisitAction(days=10, approver="王主任", note="需实地测量")),
        ],
        PETITION_34,
        ("经本", "负责人批准", "延长期限不得超过30日"),
    ),
    (
        "petition_opinion",
        lambda: [
            ("accept", VisitAction(note="受理", on="2026-03-05")),
            ("handle", VisitAction(note="办理", on="2026-03-06")),
            (
                "conclude",
                VisitAction(note="已公开", legal_basis="村民委员会组织法", on="2026-03-10"),
            ),
        ],
        PETITION_35,
        ("可以自收到", "之日起30日内", "的上一级机关、单位", "复查"),
    ),
]


@pytest.mark.parametrize("case", PETITION_CASES, ids=[c[0] for c in PETITION_CASES])
def test_petition_forms_carry_the_regulation_wording(
    ctx: Ctx,
    clock: FakeClock,
    case: tuple[str, Callable[[], list[tuple[str, VisitAction]]], str, tuple[str, ...]],
) -> None:
    key, steps, source, fragments = case
    code = _visit_through(ctx, clock, *steps())
    _check(pdf_text(render(key, ctx, code)), source, *fragments)


def test_judicial_confirmation_and_power_of_attorney_quote_their_sources(
    ctx: Ctx, written: str
) -> None:
    text = pdf_text(render("judicial_confirmation", ctx, written))
    _check(
        text,
        LAW_33,
        "双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认",
        "依法确认调解协议的效力",
    )
    _check(text, SPC_2011_3, "由委托人签名或者盖章的授权委托书")


def test_the_oral_agreement_form_has_one_name(ctx: Ctx) -> None:
    from app.print.forms import dossier, oral_agreement

    d = mediated_dispute(ctx, agreement="oral")
    name = oral_agreement.TITLE
    assert name == "人民调解口头协议登记表"
    assert name in pdf_text(render("oral_agreement", ctx, d.case_code))
    with pytest.raises(Exception, match=f"《{name}》"):
        render("agreement", ctx, d.case_code)
    assert any(name in doc for doc, _required in dossier.CONTENTS)
