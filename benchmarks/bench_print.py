"""Time one 人民调解协议书 PDF after the fonts are loaded (DESIGN §9 target: ≤ 50 ms).

    .venv/bin/python benchmarks/bench_print.py [--runs 40]

A scratch ledger in a temp folder gets one mediated dispute through the real services; the
agreement is then rendered through ``app.print.render`` (ledger reads + layout + TrueType
subset embedding) and compared with in-run baselines:

- ``minimal page``: a one-paragraph reportlab document (the floor of any reportlab PDF);
- ``same text, built-in font``: the agreement's own text laid out as CJK-wrapped paragraphs in
  reportlab's built-in STSong-Light CID font (no font file, nothing embedded).

Prints a table of median / p95 / ratio; exits 1 if the agreement's median misses the target.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.context import Ctx

TARGET_MS = 50.0


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _pad(text: str, width: int) -> str:
    """Left-justify by display width (a Chinese character takes two columns)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _ledger(folder: Path) -> tuple[Ctx, str, str]:
    from app.db import open_database
    from app.rules.dates import CHINA_TZ
    from app.services.context import open_ctx
    from app.services.disputes import (
        DisputeAction,
        DisputeInput,
        PartyInput,
        SessionInput,
        advance_dispute,
        record_session,
        register_dispute,
    )
    from app.services.persons import PersonInput
    from app.services.stations import StationInput, init_station

    db = open_database(folder / "bench.sqlite3")
    init_station(
        db,
        StationInput(
            code="110105001001",
            name="柳树村综治中心",
            level="village",
            parent_code="110105001000",
            short_name="柳树",
            admin_password="bench-pass-123",
        ),
    )
    now = datetime(2026, 3, 16, 9, 30, tzinfo=CHINA_TZ).astimezone(UTC)
    ctx = open_ctx(db, "admin", clock=lambda: now)
    people = [
        PersonInput(
            name="张秀兰",
            id_number="11010519491231002X",
            phone="13800138000",
            address="柳树村一组5号",
        ),
        PersonInput(
            name="李建国",
            id_number="34052419800101001X",
            phone="13900139000",
            address="柳树村二组18号",
        ),
    ]
    codes = []
    for terms_lines in (3, 40):
        d = register_dispute(
            ctx,
            DisputeInput(
                category="邻里",
                summary="李建国在两家共用的排水沟上修建围墙，雨季张秀兰家院坝积水，双方多次争吵。",
                registered_on="2026-03-02",
                parties=[PartyInput(people[0], "applicant"), PartyInput(people[1], "respondent")],
            ),
        ).record
        advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="李晓梅", on="2026-03-03"))
        record_session(
            ctx,
            d.id,
            SessionInput(
                kind="mediation",
                held_at="2026-03-10 09:30",
                mediators="李晓梅",
                content="双方陈述意见。",
            ),
        )
        terms = "\n".join(
            f"{i}、李建国于2026年3月20日前完成第{i}项整改，张秀兰予以配合，费用各半承担。"
            for i in range(1, terms_lines + 1)
        )
        advance_dispute(
            ctx,
            d.id,
            "succeed",
            DisputeAction(
                on="2026-03-10",
                agreement_type="written",
                terms=terms,
                performance_manner="拆除围墙并现金支付",
                performance_place="柳树村村委会",
                performance_deadline="2026-03-20",
            ),
        )
        codes.append(d.case_code)
    return ctx, codes[0], codes[1]


def _minimal_page() -> bytes:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, invariant=1)
    doc.build([Paragraph("Hello", getSampleStyleSheet()["Normal"])])
    return buf.getvalue()


def _builtin_font_doc(lines: list[str]) -> Callable[[], bytes]:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("b", fontName="STSong-Light", fontSize=16, leading=28.9, wordWrap="CJK")

    def build() -> bytes:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=28 * mm,
            rightMargin=26 * mm,
            topMargin=37 * mm,
            bottomMargin=35 * mm,
            invariant=1,
        )
        doc.build([Paragraph(line, style) for line in lines])
        return buf.getvalue()

    return build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="人民调解协议书 PDF 生成耗时（字体已加载）")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args(argv)

    from pypdf import PdfReader

    from app.print import render
    from app.print.fonts import get_fonts

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        fonts = get_fonts()
        for role in ("title", "heading", "body", "song", "kai"):
            fonts.font(role)
        font_ms = (time.perf_counter() - t) * 1000
        ctx, short_code, long_code = _ledger(Path(tmp))
        agreement = render("agreement", ctx, short_code)  # warm-up: first subset, caches
        long_pdf = render("agreement", ctx, long_code)
        text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(agreement)).pages)
        lines = [re.sub(r"\s+", "", ln) for ln in text.splitlines() if ln.strip()]
        builtin = _builtin_font_doc(lines)
        builtin()
        _minimal_page()

        rows = [
            ("minimal reportlab page", _timed(_minimal_page, args.runs)),
            ("same text, built-in CID font", _timed(builtin, args.runs)),
            (
                "人民调解协议书 (2 pages)",
                _timed(lambda: render("agreement", ctx, short_code), args.runs),
            ),
            (
                f"long agreement ({len(PdfReader(io.BytesIO(long_pdf)).pages)} pages)",
                _timed(lambda: render("agreement", ctx, long_code), max(5, args.runs // 4)),
            ),
        ]
        ctx.close()

    base_median, _ = _stats(rows[1][1])
    print(
        f"fonts: {fonts.describe()['body']} (body), {fonts.describe()['title']} (title); loaded in {font_ms:.0f} ms"
    )
    print(f"{_pad('case', 34)}{'median ms':>11}{'p95 ms':>9}{'x built-in':>12}")
    for name, samples in rows:
        median, p95 = _stats(samples)
        print(f"{_pad(name, 34)}{median:>11.1f}{p95:>9.1f}{median / base_median:>12.2f}")
    agreement_median, _ = _stats(rows[2][1])
    verdict = "meets" if agreement_median <= TARGET_MS else "MISSES"
    print(
        f"\nagreement median {agreement_median:.1f} ms {verdict} the target of ≤ {TARGET_MS:.0f} ms"
    )
    return 0 if agreement_median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
