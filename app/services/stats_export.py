"""Excel export of any statistics table (one sheet per table, 台账-style title and header)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.rules.errors import AppError

from .stats import HEADLINE, format_value


@dataclass
class StatTable:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def tables_of(fig: dict[str, Any]) -> list[StatTable]:
    """The tables of one station's (or the roll-up's) figures."""
    v, d, sc = fig["visits"], fig["disputes"], fig["screenings"]
    head = StatTable("主要指标", ["指标", "数值"])
    for path, label in HEADLINE:
        node: Any = fig
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        head.rows.append([label, format_value(path, node)])
    head.rows += [
        ["排查当场化解", sc["resolved"]],
        ["调解不成", d["failed"]],
        ["书面协议", d["written_agreements"]],
        ["口头协议", d["oral_agreements"]],
        ["司法确认", d["judicially_confirmed"]],
        ["防止民转刑（人）", d["prevented_criminal_persons"]],
        ["防止群体性上访（人）", d["prevented_group_persons"]],
        ["集体访人次", v["group_persons"]],
    ]
    out = [head]
    for title, data in (
        ("纠纷按类别", d["by_category"]),
        ("纠纷按来源", d["by_source"]),
        ("纠纷按状态", d["by_status"]),
        ("信访按形式", v["by_channel"]),
        ("信访按内容分类", v["by_category"]),
        ("信访按状态", v["by_status"]),
    ):
        out.append(StatTable(title, ["项目", "件数"], [[k, n] for k, n in data.items()]))
    return out


def comparison_table(cmp: dict[str, Any]) -> StatTable:
    cols = ["单位", "代码", "月报", *[c["label"] for c in cmp["columns"]]]
    table = StatTable(f"各村（社区）对比（{cmp['period']}）", cols)
    for row in cmp["villages"]:
        status = "零报告" if row["zero_report"] else ("已报" if row["reported"] else "未报")
        table.rows.append(
            [row["name"], row["code"], status]
            + [format_value(c["key"], row["figures"][c["key"]]) for c in cmp["columns"]]
        )
    table.rows.append(
        ["本级", "", ""] + [format_value(c["key"], cmp["own"][c["key"]]) for c in cmp["columns"]]
    )
    table.rows.append(
        ["合计", "", ""] + [format_value(c["key"], cmp["rollup"][c["key"]]) for c in cmp["columns"]]
    )
    return table


_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def export_xlsx(path: Path, heading: str, tables: list[StatTable]) -> Path:
    """Write ``tables`` to ``path``: one sheet each, merged title row, bold header, borders."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for t in tables:
        name = t.title[:28]
        while name in used:
            name = name[:26] + str(len(used))
        used.add(name)
        ws = wb.create_sheet(name)
        width = max(len(t.columns), 1)
        ws.cell(row=1, column=1, value=f"{heading} {t.title}").font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        for c, label in enumerate(t.columns, start=1):
            cell = ws.cell(row=2, column=c, value=label)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for r, row in enumerate(t.rows, start=3):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                cell.border = _BORDER
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
        for c in range(1, width + 1):
            longest = max(
                [len(str(t.columns[c - 1]))]
                + [len(str(row[c - 1])) for row in t.rows if c <= len(row)]
            )
            ws.column_dimensions[get_column_letter(c)].width = min(max(8, longest * 2 + 2), 40)
        ws.freeze_panes = "A3"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as exc:
        raise AppError(f"无法写入 {path}（{exc.strerror or exc}），请检查文件是否被占用") from exc
    return path
