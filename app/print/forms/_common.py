"""Pieces several forms share: person blocks, party tables, signature rows inside a grid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.services.codes import CodeBook
from app.services.context import Ctx

from ..data import PartyView, cn_date
from ..layout import FORM, FormGrid, look

# the person-block grid: role | label | value | label | value
PERSON_WIDTHS = [14 * mm, 30 * mm, 44 * mm, 24 * mm, 44 * mm]
# the party table: 身份 | 姓名 | 性别 | 年龄 | 联系电话 | 住址
PARTY_WIDTHS = [22 * mm, 24 * mm, 14 * mm, 14 * mm, 30 * mm, 52 * mm]

assert abs(sum(PERSON_WIDTHS) - FORM.width) < 0.5
assert abs(sum(PARTY_WIDTHS) - FORM.width) < 0.5


def person_block(g: FormGrid, role: str, p: PartyView, day: date) -> None:
    """Five rows describing one person, the role written vertically down a merged cell."""
    first = len(g.rows)
    lx = look()
    g.row(lx.vertical(role), "姓名", p.name, "性别", p.gender, labels=[1, 3])
    g.row("", "民族", p.ethnicity, "年龄", p.age_on(day), labels=[1, 3])
    g.row("", "职业或职务", p.occupation, "联系电话", p.phone, labels=[1, 3])
    g.row("", "公民身份号码", p.id_number, "", "", labels=[1], spans=[(2, 4)])
    g.row(
        "",
        "单位或住址",
        "，".join(x for x in (p.employer, p.address) if x),
        "",
        "",
        labels=[1],
        spans=[(2, 4)],
    )
    if p.agent_name:
        agent = p.agent_name + (f"（联系电话{p.agent_phone}）" if p.agent_phone else "")
        g.row("", "委托代理人", agent, "", "", labels=[1], spans=[(2, 4)])
    g.spans.append(((0, first), (0, len(g.rows) - 1)))


def party_table_rows(g: FormGrid, parties: Sequence[PartyView], day: date) -> None:
    """Header + one row per party (for a 6-column :data:`PARTY_WIDTHS` grid)."""
    lx = look()
    g.row(*[lx.p(h, "cell_head") for h in ("身份", "姓名", "性别", "年龄", "联系电话", "住址")])
    for p in parties:
        g.row(p.role, p.name, p.gender, p.age_on(day), p.phone, p.address, labels=[0, 2, 3])


def pair_rows_6(g: FormGrid, label: str, value: str | Any) -> None:
    """A label over the first two columns and the value over the other four (6-column grid)."""
    g.row(label, "", value, "", "", "", labels=[0], spans=[(0, 1), (2, 5)])


def source_checks(ctx: Ctx, source: str) -> str:
    from ..layout import checks

    codes = CodeBook(ctx.session)
    options = [c.label for c in codes.items("case_source")]
    chosen = codes.label("case_source", source)
    if chosen not in options:
        options.append(chosen)
    return checks(options, chosen)


def party_names(parties: Sequence[PartyView], roles: Sequence[str] | None = None) -> str:
    return "、".join(p.name for p in parties if roles is None or p.role_code in roles)


def split_sides(
    parties: Sequence[PartyView],
) -> tuple[list[PartyView], list[PartyView], list[PartyView]]:
    """(applicants, respondents, others); generic 当事人: the first is taken as applicant."""
    applicants = [p for p in parties if p.role_code == "applicant"]
    respondents = [p for p in parties if p.role_code == "respondent"]
    others = [p for p in parties if p.role_code not in ("applicant", "respondent")]
    if not applicants and others:
        applicants, others = [others[0]], others[1:]
    if not respondents and others and all(p.role_code == "party" for p in others):
        respondents, others = others, []
    return applicants, respondents, others


def sign_cell(
    items: Sequence[tuple[str, str]], day_text: str = "", *, width: float | None = None
) -> list[Any]:
    """Signature lines inside a grid cell: “label：name ________”, two to a row when they fit,
    each 9 mm tall to sign on; then the date at the right."""
    from reportlab.lib import colors
    from reportlab.platypus import Table

    from ..layout import cjk_table_style, closing, runs_width

    lx = look()
    total = (width or FORM.width) - 8
    size = lx.size("cell")

    def label_width(label: str, name: str) -> float:
        return runs_width(f"{label}：", "heading", size) + runs_width(name, "song", size) + 6

    min_line = 20 * mm
    left = [it for i, it in enumerate(items) if i % 2 == 0]
    right = [it for i, it in enumerate(items) if i % 2 == 1]
    lw_a = max((label_width(*it) for it in left), default=0.0)
    lw_b = max((label_width(*it) for it in right), default=0.0)
    two = bool(right) and lw_a + min_line <= total / 2 and lw_b + min_line <= total / 2
    if two:
        widths = [lw_a, total / 2 - lw_a, lw_b, total / 2 - lw_b]
        rows = [list(items[i : i + 2]) for i in range(0, len(items), 2)]
    else:
        lw = max((label_width(*it) for it in items), default=0.0)
        widths = [lw, max(min_line, min(total - lw, 70 * mm))]
        rows = [[it] for it in items]
    cells: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for r, pair in enumerate(rows):
        row: list[Any] = []
        for c, (label, name) in enumerate(pair):
            row += [lx.rich([("heading", f"{label}："), ("song", name)], "cell"), ""]
            commands.append(("LINEBELOW", (2 * c + 1, r), (2 * c + 1, r), 0.6, colors.black))
        row += [""] * (len(widths) - len(row))
        cells.append(row)
    parts: list[Any] = []
    if cells:
        t = Table(cells, colWidths=widths, rowHeights=[9 * mm] * len(cells), hAlign="LEFT")
        t.setStyle(cjk_table_style(commands))
        parts.append(closing(t))
    if day_text:
        parts.append(lx.p(day_text, "cell", alignment=2, spaceBefore=6))
    return parts


def dispute_day(d: Dispute) -> date:
    return d.registered_on


def date_or_blank(day: date | None) -> str:
    return cn_date(day)
