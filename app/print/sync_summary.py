"""同步包导入情况表: the printable import summary of one bundle (DESIGN §5).

Takes the summary dictionary kept in ``bundle_log`` (see :mod:`app.sync.importer`) — no database
access here — and lays out: who sent what and when, per origin the change range received and the
high-water mark before and after, per table new / updated / unchanged / rejected / voided, and
every rejected record with its reason; then signature lines for the operator and the reviewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm

from app.models.base import parse_utc
from app.rules.dates import CHINA_TZ

from .layout import DocInfo, build_pdf, gap, grid, look
from .table import TABLE_PORTRAIT

KIND_LABELS = {"bundle": "同步包", "ack": "回执"}
STATUS_LABELS = {"imported": "已导入", "rejected": "已拒绝", "dry_run": "预检（未写入）"}


def _local(text: str) -> str:
    if not text:
        return ""
    try:
        moment: datetime = parse_utc(text)
    except ValueError:
        return text
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _n(v: Any) -> str:
    return str(int(v)) if isinstance(v, (int, float)) else str(v or 0)


def import_summary_pdf(summary: Mapping[str, Any], *, station_name: str = "") -> bytes:
    lx = look()
    width = TABLE_PORTRAIT.width
    kind = KIND_LABELS.get(str(summary.get("kind", "bundle")), "同步包")
    sender = summary.get("sender") or {}
    status = STATUS_LABELS.get(
        str(summary.get("status", "imported")), str(summary.get("status", ""))
    )
    story: list[Any] = [lx.p(f"{kind}导入情况表", "ledger_title")]
    if station_name:
        story.append(lx.p(f"接收单位：{station_name}", "small_center", spaceAfter=6))
    info_rows = [
        ["发送单位", f"{sender.get('name', '')}（{sender.get('code', '')}）", "导入结果", status],
        ["文件", str(summary.get("file", "")), "包编号", str(summary.get("bundle_id", ""))],
        [
            "生成时间",
            _local(str(summary.get("created_at", ""))),
            "导入时间",
            _local(str(summary.get("imported_at", ""))),
        ],
        [
            "签名校验",
            "通过" if summary.get("signature") == "ok" else "—",
            "操作员",
            str(summary.get("operator", "")),
        ],
    ]
    story.append(
        grid(
            info_rows,
            [22 * mm, width / 2 - 22 * mm, 22 * mm, width / 2 - 22 * mm],
            label_cols=(0, 2),
            style="cell_small",
            padding=3,
        )
    )
    message = str(summary.get("message", ""))
    if message:
        story += [gap(2), lx.p(f"说明：{message}", "small")]
    for notice in summary.get("notices") or []:
        story += [lx.p(f"提示：{notice}", "small")]

    origins = summary.get("origins") or []
    if origins:
        story += [gap(4), lx.p("一、各工作站变更范围", "ledger_sub")]
        rows: list[list[str]] = [
            ["工作站", "代码", "本包起点", "本包止点", "记录数", "导入前", "导入后"]
        ]
        for o in origins:
            rows.append(
                [
                    str(o.get("name", "")),
                    str(o.get("origin", "")),
                    _n(o.get("basis")),
                    _n(o.get("upto")),
                    _n(o.get("received")),
                    _n(o.get("hwm_before")),
                    _n(o.get("hwm_after")),
                ]
            )
        story.append(
            grid(
                rows,
                [w * width for w in (0.22, 0.18, 0.12, 0.12, 0.1, 0.13, 0.13)],
                head_rows=1,
                repeat_rows=1,
                style="cell_small",
                padding=2.5,
            )
        )

    tables = summary.get("tables") or {}
    totals = summary.get("totals") or {}
    story += [gap(4), lx.p("二、分类导入情况", "ledger_sub")]
    rows = [["类别", "收到", "新增", "更新", "未变", "拒收", "其中作废"]]
    for t in tables.values():
        rows.append(
            [
                str(t.get("label", "")),
                _n(t.get("received")),
                _n(t.get("new")),
                _n(t.get("updated")),
                _n(t.get("unchanged")),
                _n(t.get("rejected")),
                _n(t.get("deleted")),
            ]
        )
    rows.append(
        [
            "合计",
            _n(totals.get("received")),
            _n(totals.get("new")),
            _n(totals.get("updated")),
            _n(totals.get("unchanged")),
            _n(totals.get("rejected")),
            _n(totals.get("deleted")),
        ]
    )
    story.append(
        grid(
            rows,
            [w * width for w in (0.28, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12)],
            head_rows=1,
            repeat_rows=1,
            style="cell_small_center",
            padding=2.5,
        )
    )

    rejected = summary.get("rejected") or []
    story += [gap(4), lx.p("三、拒收记录及原因", "ledger_sub")]
    if rejected:
        rows = [["序号", "所属记录", "类别", "编号", "原因"]]
        for i, r in enumerate(rejected, 1):
            rows.append(
                [
                    str(i),
                    str(r.get("record", "") or ""),
                    str(r.get("label", "")),
                    str(r.get("ref", "")),
                    str(r.get("reason", "")),
                ]
            )
        story.append(
            grid(
                rows,
                [w * width for w in (0.07, 0.22, 0.12, 0.2, 0.39)],
                head_rows=1,
                repeat_rows=1,
                style="cell_small",
                padding=2.5,
            )
        )
        more = int(summary.get("rejected_total", len(rejected)) or 0) - len(rejected)
        if more > 0:
            story.append(lx.p(f"另有 {more} 条拒收记录未列出。", "small"))
    else:
        story.append(lx.p("无拒收记录。", "small"))

    peer = summary.get("peer_summary") or {}
    if peer:
        pt = peer.get("totals") or {}
        story += [
            gap(4),
            lx.p("四、对方回执", "ledger_sub"),
            lx.p(
                f"对方于 {_local(str(peer.get('imported_at', '')))} 导入本站同步包："
                f"新增 {_n(pt.get('new'))} 条，更新 {_n(pt.get('updated'))} 条，"
                f"未变 {_n(pt.get('unchanged'))} 条，拒收 {_n(pt.get('rejected'))} 条。",
                "small",
            ),
        ]
        for i, r in enumerate(peer.get("rejected") or [], 1):
            story.append(
                lx.p(
                    f"{i}. {r.get('label', '')} {r.get('ref', '')}：{r.get('reason', '')}", "small"
                )
            )

    gap_text = "　" * 8
    story.append(
        lx.p(f"经办人：{gap_text}审核人：{gap_text}日期：{gap_text}", "ledger_sub", spaceBefore=12)
    )
    title = f"{kind}导入情况表 {sender.get('name', '')}"
    return build_pdf(story, DocInfo(title=title, author=station_name), page=TABLE_PORTRAIT)
