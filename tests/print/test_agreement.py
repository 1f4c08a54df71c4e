"""人民调解协议书: everything DESIGN §10 names, in order; one signature and fingerprint line
per party; copies = parties + 1; long facts and terms wrap across pages with 第N页 共M页 page
numbers and Chinese line breaking; rare name characters print; ID numbers per role."""

from __future__ import annotations

import re

import pytest

from app.print import render
from app.print.cjkwrap import CANNOT_END, CANNOT_START
from app.print.fonts import get_fonts
from app.services.context import Ctx, open_ctx
from app.services.operators import OperatorInput, create_operator

from .conftest import (
    assert_all_glyphs_present,
    assert_in_order,
    lines,
    mediated_dispute,
    page_count,
    page_texts,
    pdf_text,
    render_png,
)


def test_agreement_carries_every_required_part_in_order(ctx: Ctx) -> None:
    d = mediated_dispute(ctx)
    pdf = render("agreement", ctx, d.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "人民调解协议书",
        "（2026）柳树调字第1号",
        "申请人：张秀兰",
        "女",
        "公民身份号码11010519491231002X",
        "住柳树村一组5号",
        "联系电话13800138000",
        "被申请人：李建国",
        "公民身份号码34052419800101001X",
        "纠纷主要事实、争议事项",
        "李建国在两家共用的排水沟上修建围墙",
        "经调解，各方当事人自愿达成如下协议",
        "一、李建国于2026年3月20日前拆除压占排水沟的围墙",
        "二、张秀兰承担拆除费用的一半",
        "三、双方今后和睦相处",
        "履行协议的方式、地点、期限",
        "履行方式：拆除围墙并现金支付",
        "履行地点：柳树村村委会",
        "履行期限：2026年3月20日前履行完毕",
        "本协议一式三份",
        "人民调解委员会印章之日起生效",
        "三十日内共同向人民法院申请司法确认",
        "申请人：张秀兰（签名）",
        "指印",
        "被申请人：李建国（签名）",
        "指印",
        "人民调解员：（签名）",
        "记录人：（签名）",
        "柳树村人民调解委员会（盖章）",
        "2026年3月10日",
    )
    assert text.count("（签名）") == 2 + 2  # one per party, mediator, recorder
    assert text.count("（签名）指印") == 2  # a fingerprint box per party, not for mediator/recorder
    assert "第1页共" in text
    assert_all_glyphs_present(pdf)
    render_png(pdf, "agreement-two-parties", dpi=60)


def test_three_parties_make_four_copies(ctx: Ctx) -> None:
    d = mediated_dispute(ctx, parties=3)
    text = pdf_text(render("agreement", ctx, d.case_code))
    assert "本协议一式四份" in text
    assert text.count("（签名）指印") == 3
    assert_in_order(
        text, "申请人：张秀兰", "被申请人：李建国", "第三人：王德福", "第三人：王德福（签名）"
    )


def test_numbering_follows_the_committee_sequence(ctx: Ctx) -> None:
    first = mediated_dispute(ctx)
    second = mediated_dispute(ctx)
    assert "（2026）柳树调字第1号" in pdf_text(render("agreement", ctx, first.case_code))
    assert "（2026）柳树调字第2号" in pdf_text(render("agreement", ctx, second.case_code))


def test_long_facts_and_terms_wrap_across_pages_with_page_numbers(ctx: Ctx) -> None:
    facts = "\n".join(
        f"第{i}段：双方因宅基地界址、排水沟走向和围墙高度等问题长期争执，"
        "多次经村组干部调处未果，其间还发生过推搡，造成院坝积水、墙体开裂等损失，"
        "调解员实地查看了现场，调取了一九八六年的宅基地登记资料，并听取了相邻户的意见。"
        for i in range(1, 19)
    )
    terms = "\n".join(
        f"{i}、李建国应于协议签订之日起{i}日内完成第{i}项整改（含排水沟清淤、围墙降高、"
        "恢复原有通道并承担相应费用），张秀兰予以配合，不得阻挠；逾期未完成的，由村委会督促履行。"
        for i in range(1, 16)
    )
    d = mediated_dispute(ctx, facts=facts, terms=terms)
    pdf = render("agreement", ctx, d.case_code)
    pages = page_count(pdf)
    assert pages >= 3
    texts = page_texts(pdf)
    for n, text in enumerate(texts, 1):
        assert f"第{n}页共{pages}页" in text, f"page {n} has no page number"
    whole = "".join(texts)
    assert_in_order(whole, *[f"第{i}段" for i in range(1, 19)])
    assert_in_order(whole, *[f"{i}、李建国应于协议签订之日起{i}日内" for i in range(1, 16)])
    assert_in_order(
        whole, "本协议一式三份", "申请人：张秀兰（签名）", "柳树村人民调解委员会（盖章）"
    )
    # Chinese line breaking: no line starts with closing punctuation or ends with an opening one
    for line in lines(pdf):
        if re.fullmatch(r"第\d+页\s*共\d+页", line):
            continue
        assert line[0] not in CANNOT_START, line
        assert line[-1] not in CANNOT_END, line
    # the ID number is never split across two lines
    assert any("11010519491231002X" in line for line in lines(pdf))
    assert_all_glyphs_present(pdf)
    render_png(pdf, "agreement-long", dpi=50)


def test_rare_name_characters_print_with_a_fallback_face(ctx: Ctx) -> None:
    fonts = get_fonts()
    body = fonts.glyphs_of(fonts.font("body"))
    candidates = [c for c in "堃喆昇珺旻玥䶮𠮷" if ord(c) not in body and not fonts.uncovered(c)]
    common = [c for c in "堃喆昇珺旻玥" if ord(c) in body]
    name = "王" + (candidates[0] if candidates else common[0])
    d = mediated_dispute(ctx, names=[name, "李建国"])
    pdf = render("agreement", ctx, d.case_code)
    assert f"申请人：{name}" in pdf_text(pdf)
    assert_all_glyphs_present(pdf)  # the rare character has a real glyph, not a box


def test_id_numbers_are_masked_for_roles_that_may_not_see_them(ctx: Ctx, village_db, clock) -> None:
    d = mediated_dispute(ctx)
    create_operator(ctx, OperatorInput("clerk1", "赵琳", "clerk", "clerk-pass-123"))
    clerk = open_ctx(village_db, "clerk1", clock=clock)
    try:
        text = pdf_text(render("agreement", clerk, d.case_code))
    finally:
        clerk.close()
    assert "11010519491231002X" not in text
    assert re.search(r"公民身份号码110105\*{8}002X", text)


def test_an_oral_agreement_prints_on_the_oral_register(ctx: Ctx) -> None:
    d = mediated_dispute(ctx, agreement="oral")
    pdf = render("oral_agreement", ctx, d.case_code)
    assert_in_order(
        pdf_text(pdf),
        "人民调解口头协议登记表",
        "张秀兰",
        "李建国",
        "纠纷主要事实、争议事项",
        "协议内容",
        "一、李建国于2026年3月20日前拆除",
        "履行方式、地点、期限",
        "申请人（签名或按指印）：张秀兰",
    )
    with pytest.raises(Exception, match="口头协议"):
        render("agreement", ctx, d.case_code)
