"""The refused-records list of one import: each record refused (by this station, or by the
station that answered with an acknowledgement) with its case code, table and reason — what a
clerk prints or hands to whoever must fix it. Plain CSV (UTF-8 with BOM, so that Excel on a
Chinese Windows opens it as UTF-8); the PDF 导入情况表 (``app.print.sync_summary``) lists the
same rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

HEADERS = ("序号", "拒收方", "所属记录", "类别", "编号", "原因")


def refused_list(summary: dict[str, Any]) -> list[dict[str, str]]:
    """Rows of a summary's refused records; ``by`` is 本站 or 上级 (from an acknowledgement)."""
    peer = summary.get("peer_summary") or {}
    out: list[dict[str, str]] = []
    for by, rows in (("本站", summary.get("rejected") or []), ("上级", peer.get("rejected") or [])):
        for r in rows:
            out.append(
                {
                    "by": by,
                    "record": str(r.get("record", "") or ""),
                    "label": str(r.get("label", "")),
                    "table": str(r.get("table", "")),
                    "ref": str(r.get("ref", "")),
                    "reason": str(r.get("reason", "")),
                }
            )
    return out


def refused_csv(summary: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADERS)
    for i, r in enumerate(refused_list(summary), 1):
        w.writerow([i, r["by"], r["record"], r["label"], r["ref"], r["reason"]])
    return buf.getvalue().encode("utf-8-sig")


def write_refused_csv(summary: dict[str, Any], path: Path) -> int:
    """Write the list; return how many records it names."""
    path.write_bytes(refused_csv(summary))
    return len(refused_list(summary))
