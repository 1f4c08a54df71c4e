"""Printing tests: a demo ledger shared by the read-only form tests, helpers that read PDFs
back (text in order, fonts, glyph coverage) and render pages to PNG for looking at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from sqlalchemy import func, select

from app.db import Database, open_database
from app.models import Dispute, DisputeParty, Visit
from app.print.fonts import get_fonts
from app.services import demo
from app.services.context import Ctx, open_ctx
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
from tests.conftest import VILLAGE, FakeClock, make_station_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "print"


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A village ledger with demo data (built once; print tests only read it)."""
    path = tmp_path_factory.mktemp("print") / "demo.sqlite3"
    db = make_station_db(path, VILLAGE, tmp_path_factory)
    ctx = open_ctx(db, "admin", clock=FakeClock())
    try:
        demo.generate(ctx, visits=40, disputes=60)
    finally:
        ctx.close()
        db.close()
    return path


@pytest.fixture
def demo_db(demo_db_path: Path) -> Iterator[Database]:
    db = open_database(demo_db_path)
    yield db
    db.close()


@pytest.fixture
def demo_ctx(demo_db: Database) -> Iterator[Ctx]:
    c = open_ctx(demo_db, "admin", clock=FakeClock())
    yield c
    c.close()


# --- finding demo records ---------------------------------------------------------------------


def party_count(ctx: Ctx, d: Dispute) -> int:
    return int(
        ctx.session.scalar(
            select(func.count())
            .select_from(DisputeParty)
            .where(DisputeParty.dispute_id == d.id, DisputeParty.deleted_at.is_(None))
        )
        or 0
    )


def a_dispute(ctx: Ctx, **where: Any) -> Dispute:
    q = select(Dispute).where(Dispute.deleted_at.is_(None)).order_by(Dispute.case_code)
    for k, v in where.items():
        if k == "transferred":
            q = q.where(Dispute.transferred_to != "")
        elif k == "sessions":
            continue
        else:
            q = q.where(getattr(Dispute, k) == v)
    found = ctx.session.scalars(q).first()
    assert found is not None, f"demo data has no dispute with {where}"
    return found


def a_visit(ctx: Ctx, **where: Any) -> Visit:
    q = select(Visit).where(Visit.deleted_at.is_(None)).order_by(Visit.case_code)
    for k, v in where.items():
        if k == "methods":
            q = q.where(Visit.handling_method.in_(v))
        else:
            q = q.where(getattr(Visit, k) == v)
    found = ctx.session.scalars(q).first()
    assert found is not None, f"demo data has no visit with {where}"
    return found


# --- making a mediated dispute ------------------------------------------------------------------

PEOPLE = [
    PersonInput(
        name="张秀兰",
        id_number="11010519491231002X",
        phone="13800138000",
        address="柳树村一组5号",
        occupation="务农",
        ethnicity="汉族",
    ),
    PersonInput(
        name="李建国",
        id_number="34052419800101001X",
        phone="13900139000",
        address="柳树村二组18号",
        occupation="个体经营",
        ethnicity="汉族",
    ),
    PersonInput(
        name="王德福", id_number="440524188001010014", phone="13700137000", address="柳树村三组2号"
    ),
]


def mediated_dispute(
    ctx: Ctx,
    *,
    parties: int = 2,
    agreement: str = "written",
    facts: str = "李建国在两家共用的排水沟上修建围墙，雨季张秀兰家院坝积水，双方多次争吵。",
    terms: str = "一、李建国于2026年3月20日前拆除压占排水沟的围墙，恢复排水沟原状；\n二、张秀兰承担拆除费用的一半，计人民币800元；\n三、双方今后和睦相处。",
    names: list[str] | None = None,
) -> Dispute:
    """A dispute taken through registration, a mediation session and 调解成功 (via services)."""
    roles = ["applicant", "respondent", "third_party"]
    people = []
    for i in range(parties):
        p = PEOPLE[i]
        if names:
            p = PersonInput(**{**p.__dict__, "name": names[i]})
        people.append(PartyInput(p, roles[i]))
    d = register_dispute(
        ctx,
        DisputeInput(
            category="邻里",
            summary=facts,
            requests="请求恢复排水沟",
            registered_on="2026-03-02",
            parties=people,
            place="柳树村二组",
        ),
    ).record
    advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="李晓梅", on="2026-03-03"))
    record_session(
        ctx,
        d.id,
        SessionInput(
            kind="mediation",
            held_at="2026-03-10 09:30",
            place="柳树村村委会调解室",
            mediators="李晓梅",
            recorder="赵琳",
            content="调解员释明相关法律规定，双方各自陈述意见。",
            result="双方达成一致意见",
        ),
    )
    advance_dispute(
        ctx,
        d.id,
        "succeed",
        DisputeAction(
            on="2026-03-10",
            agreement_type=agreement,
            facts=facts,
            terms=terms,
            performance_manner="拆除围墙并现金支付",
            performance_place="柳树村村委会",
            performance_deadline="2026-03-20",
        ),
    )
    ctx.session.refresh(d)
    return d


# --- reading PDFs back ------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """All text, pages in order, with white space removed (CJK text has no word spaces)."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages)


def page_texts(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages]


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def assert_in_order(text: str, *parts: str) -> None:
    """Each part occurs in ``text`` after the previous one."""
    pos = 0
    for part in parts:
        key = re.sub(r"\s+", "", part)
        found = text.find(key, pos)
        assert found >= 0, f"“{part}” missing (or out of order) after position {pos}"
        pos = found + len(key)


def lines(pdf: bytes) -> list[str]:
    """Text lines as laid out (pdfplumber), to check line breaking."""
    out: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            text = page.extract_text() or ""
            out.extend(line.strip() for line in text.splitlines() if line.strip())
    return out


def face_glyphs() -> dict[str, frozenset[int]]:
    """PDF base font name (without the subset tag) → code points that face has."""
    fonts = get_fonts()
    out: dict[str, frozenset[int]] = {}
    for name in fonts.loaded_faces():
        face = pdfmetrics.getFont(name).face
        base = (face.name + face.subfontNameX).decode("latin-1")
        out[base] = fonts.glyphs_of(name)
    return out


def assert_all_glyphs_present(pdf: bytes) -> int:
    """Every drawn character is in the font that draws it (no .notdef boxes). Returns the
    number of characters checked."""
    glyphs = face_glyphs()
    checked = 0
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for ch in page.chars:
                base = str(ch["fontname"]).split("+", 1)[-1]
                assert base in glyphs, f"text drawn in an unexpected font {ch['fontname']}"
                for c in str(ch["text"]):
                    if c.isspace():
                        continue
                    assert ord(c) in glyphs[base], f"“{c}” (U+{ord(c):04X}) has no glyph in {base}"
                    checked += 1
    return checked


def pdffonts(pdf: bytes, tmp: Path) -> list[dict[str, str]]:
    exe = shutil.which("pdffonts")
    if exe is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([exe, str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) >= 7:
            rows.append(
                {
                    "name": parts[0],
                    "type": " ".join(parts[1:-6]),
                    "encoding": parts[-6],
                    "emb": parts[-5],
                    "sub": parts[-4],
                    "uni": parts[-3],
                }
            )
    return rows


def render_png(pdf: bytes, stem: str, dpi: int = 50) -> list[Path]:
    """Render every page to test-artifacts/print/<stem>-N.png (for looking at)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mine = re.compile(rf"{re.escape(stem)}-\d+\.png")
    for old in ARTIFACTS.iterdir():
        if mine.fullmatch(old.name):
            old.unlink()
    src = ARTIFACTS / f"{stem}.pdf"
    src.write_bytes(pdf)
    subprocess.run([exe, "-png", "-r", str(dpi), str(src), str(ARTIFACTS / stem)], check=True)
    return sorted(p for p in ARTIFACTS.iterdir() if mine.fullmatch(p.name))


def today() -> date:
    return date(2026, 3, 16)
