"""来信来访登记表 — one petition (letter, visit, call, online) and its handling, as the
registration form filed with the letter: petitioners, request, facts, flags, review,
acceptance decision, handling, reply, follow-up and the deadlines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Visit
from app.rules.dates import CHINA_TZ
from app.rules.workflow import VISIT
from app.services.context import Ctx

from .. import data
from ..layout import FORM, DocInfo, FormGrid, build_pdf, look, title
from ..spec import FormSpec

TITLE = "来信来访登记表"
WIDTHS = [30 * mm, 19 * mm, 11 * mm, 37 * mm, 25 * mm, 34 * mm]
FLAGS = (
    ("is_group", "集体访"),
    ("is_joint_letter", "联名信"),
    ("is_skip_level", "越级"),
    ("is_repeat", "重复访"),
    ("is_anonymous", "匿名"),
    ("is_urgent", "紧急"),
    ("is_litigation", "涉法涉诉"),
    ("is_confidential", "保密"),
    ("is_accusation", "检举控告"),
)
METHODS = {"on_spot": "当场答复", "self": "自行办理", "transfer": "转办", "assign": "交办"}


def flags_text(v: Visit) -> str:
    marked = [label for attr, label in FLAGS if getattr(v, attr)]
    return "、".join(marked) if marked else "无"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    lx = look()
    station = ctx.station.name
    g = FormGrid(WIDTHS)

    def pair(label: str, value: str) -> None:
        g.row(label, value, "", "", "", "", labels=[0], spans=[(1, 5)])

    def two(l1: str, v1: str, l2: str, v2: str) -> None:
        g.row(l1, v1, "", "", l2, v2, labels=[0, 4], spans=[(1, 3)])

    received = v.received_at.astimezone(CHINA_TZ)
    two("案件编码", v.case_code, "信访形式", data.label(ctx, "visit_channel", v.channel))
    two(
        "登记时间",
        f"{data.cn_date(received.date())}{received.hour}时{received.minute:02d}分",
        "人数",
        f"{v.headcount}人",
    )
    g.row(
        *[
            lx.p(h, "cell_small_head")
            for h in ("身份", "姓名", "性别", "公民身份号码", "联系电话", "住址")
        ]
    )
    people = data.petitioners_of(ctx, v)
    for role, p in people:
        g.row(
            role,
            *[lx.p(x, "cell_small") for x in (p.name, p.gender, p.id_number, p.phone, p.address)],
            labels=[0],
        )
    if not people:
        g.row("信访人", "（匿名）", "", "", "", "", labels=[0])
    two(
        "内容分类",
        data.label(ctx, "visit_category", v.category),
        "事项类型",
        data.label(ctx, "visit_type", v.petition_type),
    )
    two("标识", flags_text(v), "当前状态", VISIT.status_label(v.status))
    if v.place or v.involved_unit:
        two("问题属地", v.place, "涉及单位", v.involved_unit)
    if v.is_accusation:
        pair("被反映单位", v.accused_unit)
    pair("事由", v.subject)
    g.text("诉求", v.request, min_height=14 * mm)
    g.text("事实和理由", v.facts, min_height=18 * mm)
    two("接谈人", data.person_name(v.first_responder), "受理期限", data.cn_date(v.accept_due, ""))
    review = v.review_opinion
    if v.reviewed_on:
        who = data.person_name(v.reviewer_name)
        review += f"（{who + '，' if who else ''}{data.cn_date(v.reviewed_on)}）"
    g.text("领导审核意见", review, min_height=12 * mm)
    decision = ""
    if v.decision_on:
        # from the case log: an archived case's status no longer says what was decided
        ev = data.last_event(ctx, v, "accepted", "not_accepted", "informed")
        act = ev.event if ev is not None else "accepted"
        label = {"not_accepted": "不予受理", "informed": "告知"}.get(act, "受理")
        decision = f"{data.cn_date(v.decision_on)}{label}。{v.decision_note}"
        if v.competent_body and act != "accepted":
            decision += f"（告知向{v.competent_body}提出）"
    g.text("受理情况", decision, min_height=12 * mm)
    handling = ""
    if v.handling_method:
        handling = METHODS.get(v.handling_method, v.handling_method)
        if v.handler_unit and v.handling_method in ("transfer", "assign"):
            handling += f"至{v.handler_unit}"
        handling += f"（{data.cn_date(v.handled_on)}）"
        if v.handle_due:
            handling += f"；办理期限{data.cn_date(v.handle_due)}"
        if v.extension_days:
            handling += (
                f"；经{v.extension_approver}批准延期{v.extension_days}日：{v.extension_reason}"
            )
    g.text("办理情况", handling, min_height=12 * mm)
    reply = f"{data.cn_date(v.replied_on)}：{v.reply_content}" if v.replied_on else ""
    g.text("答复情况", reply, min_height=14 * mm)
    follow = ""
    if v.followed_up_on:
        follow = f"{data.cn_date(v.followed_up_on)}：{v.follow_up_note}"
        if v.satisfaction:
            follow += f"（{data.label(ctx, 'satisfaction', v.satisfaction)}）"
    g.text("回访情况", follow, min_height=12 * mm)
    story: list[Any] = []
    if v.is_confidential or v.is_accusation:
        story.append(lx.p("保密", "heading", fontSize=14))
    story += [
        title(TITLE),
        lx.p(f"登记单位：{station}", "number", fontSize=12, leading=18),
        g.table(),
    ]
    info = DocInfo(f"{TITLE} {v.case_code}", station, v.subject, v.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="visit_register",
    title=TITLE,
    kind="visit",
    build=build,
    description="信访件登记及办理全程",
    applies=lambda r: isinstance(r, Visit),
)
