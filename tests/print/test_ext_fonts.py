"""Every name prints: the bundled CJK-extension fallback fonts (Hanazono Mincho, BabelStone Han)
draw the characters WenQuanYi Micro Hei lacks, per character, embedded as subsets; a character
no bundled font draws is refused where it is typed, and nothing is written."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from app.config import resources_dir
from app.print import fonts as pf
from app.print.registry import render
from app.rules.errors import Problems, ValidationError
from app.rules.printable import check_printable, printable, unprintable
from app.services.context import Ctx
from app.services.disputes import PartyInput, register_dispute
from app.services.persons import PersonInput
from tests.builders import dispute_input
from tests.ledger_helpers import ledger_snapshot

from .conftest import assert_all_glyphs_present, mediated_dispute, pdf_text, pdffonts, render_png

EXT = resources_dir() / "fonts" / "ext"
# 𠮷 (Ext B, a common surname form), 䶮 (Ext A, 刘䶮; WenQuanYi has it), 㐀 (Ext A), 𪚥 (Ext B), 𪜀 (Ext C), 𫝀 (Ext D),
# 𫠠 (Ext E), 𬺰 (Ext F), 𰀀 (Ext G)
RARE = {
    "A": "\u4dae",
    "A2": "\u3400",
    "B": "\U00020bb7",
    "B2": "\U0002a6a5",
    "C": "\U0002a700",
    "D": "\U0002b740",
    "E": "\U0002b820",
    "F": "\U0002ceb0",
    "G": "\U00030000",
}


def test_extension_fonts_and_their_licences_ship() -> None:
    names = {p.name for p in EXT.iterdir()}
    assert {f for f, _ in pf.EXT_FILES} <= names
    assert "Hanazono Font License" in (EXT / "LICENSE-hanazono.txt").read_text(encoding="utf-8")
    babel = (EXT / "LICENSE-babelstone-han.txt").read_text(encoding="utf-8")
    assert "ARPHIC PUBLIC LICENSE" in babel
    for f, _family in pf.EXT_FILES:
        faces = pf.read_faces(EXT / f)
        assert faces and faces[0][2], (
            f"{f} must have TrueType outlines (reportlab embeds glyf only)"
        )


def test_the_printable_table_is_what_the_bundled_fonts_draw() -> None:
    """app.rules.glyph_ranges (generated) must match the fonts on disk."""
    from reportlab.pdfbase.ttfonts import TTFont

    covered: set[int] = set()
    faces = [(resources_dir() / "fonts" / pf.BUNDLED_FILE, 0)] + [
        (EXT / f, 0) for f, _ in pf.EXT_FILES
    ]
    for i, (path, index) in enumerate(faces):
        covered |= set(TTFont(f"rangecheck{i}", str(path), subfontIndex=index).face.charToGlyph)
    for ch in RARE.values():
        assert printable(ch) and ord(ch) in covered
    # spot-check the whole CJK extension planes both ways
    for code in [*range(0x3400, 0x4DC0), *range(0x20000, 0x2A6E0, 7), *range(0x30000, 0x31350, 3)]:
        assert printable(chr(code)) == (code in covered), hex(code)


def test_unprintable_characters_are_named_with_their_code_point() -> None:
    assert unprintable("张𠮷䶮王") == []
    assert unprintable("李\ue000明😀\ue000") == ["\ue000", "😀"]
    problems = Problems()
    check_printable(problems, "name", "姓名", "李\U00030041明")  # Ext G, not drawn by any
    with pytest.raises(ValidationError) as err:
        problems.raise_if_any()
    assert "U+30041" in str(err.value) and "「姓名」" in str(err.value)


def test_every_extension_character_prints_from_an_embedded_subset(
    demo_ctx: Ctx, tmp_path: Path
) -> None:
    name = "刘" + "".join(RARE.values())
    d = mediated_dispute(demo_ctx, parties=2, names=[name, "李建国"])
    pdf = render("agreement", demo_ctx, d.case_code)
    text = pdf_text(pdf)
    for ch in RARE.values():
        assert ch in text, f"U+{ord(ch):04X} missing from the agreement"
    assert assert_all_glyphs_present(pdf) > 100  # every character in a font that has it
    fonts = pdffonts(pdf, tmp_path)
    assert fonts and all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts)
    names = " ".join(f["name"] for f in fonts)
    assert "HanaMinA" in names and "HanaMinB" in names and "BabelStone" in names
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        drawn = {c["text"]: c["fontname"] for p in doc.pages for c in p.chars}
    assert "HanaMinA" in drawn[RARE["A2"]] and "HanaMinB" in drawn[RARE["B"]]
    assert "BabelStone" in drawn[RARE["G"]]
    render_png(pdf, "ext-fonts-agreement", dpi=100)


def test_a_name_no_font_draws_is_refused_and_nothing_is_written(ctx: Ctx, village_db) -> None:
    before = ledger_snapshot(village_db)
    bad = "\U00030041"  # CJK Extension G, not in BabelStone Han
    data = dispute_input()
    data.parties[0] = PartyInput(PersonInput(name=f"王{bad}", phone="13800138000"), "applicant")
    with pytest.raises(ValidationError) as err:
        register_dispute(ctx, data)
    assert "parties[0].name" in err.value.fields()
    assert "当事人1的姓名" in str(err.value) and "U+30041" in str(err.value)
    assert ledger_snapshot(village_db) == before
    data = dispute_input(summary="双方因宅基地发生争执\ue000")
    with pytest.raises(ValidationError) as err:
        register_dispute(ctx, data)
    assert err.value.fields() == ["summary"]
    assert ledger_snapshot(village_db) == before
    ok = dispute_input()
    ok.parties[0] = PartyInput(PersonInput(name="吉\U00020bb7", phone="13800138000"), "applicant")
    assert register_dispute(ctx, ok).record.case_code
