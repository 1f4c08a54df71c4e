"""Layout helpers: Chinese line breaking, chunking long text for ruled forms, numbering,
form rows that grow with their text."""

from __future__ import annotations

import pytest
from reportlab.lib.units import mm

from app.print.cjkwrap import break_points
from app.print.layout import FlexTable, FormGrid, chinese_number, chunks, numbered_items


def breaks(text: str, per_line: int) -> list[str]:
    """Lines of ``text`` with every character 1 wide and ``per_line`` per line."""
    return [text[a:b] for a, b, _w, _h in break_points(text, [1.0] * len(text), [float(per_line)])]


def test_closing_punctuation_never_starts_a_line() -> None:
    lines = breaks("甲乙丙丁，戊己庚辛。", 4)
    assert all(line[0] not in "，。" for line in lines)
    assert "".join(lines) == "甲乙丙丁，戊己庚辛。"
    assert lines[0] == "甲乙丙"  # 丁 moves down with its comma instead of the comma hanging


def test_opening_brackets_never_end_a_line() -> None:
    lines = breaks("甲乙丙（丁戊）己", 4)
    assert all(not line.endswith("（") for line in lines)


def test_numbers_and_codes_stay_whole() -> None:
    lines = breaks("甲乙丙丁戊己庚辛壬癸" * 2 + "号码11010519491231002X，住所", 30)
    assert lines[1].startswith("11010519491231002X")  # moved down whole, not split
    lines = breaks("甲乙丙丁戊己庚2026年", 9)
    assert "2026年" in lines[-1]  # the year is not split from its digits or its unit


def test_a_word_longer_than_a_line_is_cut_rather_than_looping() -> None:
    text = "1" * 30
    assert "".join(breaks(text, 7)) == text


def test_chunks_split_long_paragraphs_at_sentence_ends() -> None:
    text = ("这是一句很长的话，" * 20 + "结束。") * 3 + "\n第二段。"
    parts = chunks(text, limit=100)
    assert all(len(p) <= 100 for p in parts)
    assert "".join(parts).replace("第二段。", "") == text.split("\n", maxsplit=1)[0]
    assert parts[-1] == "第二段。"


def test_numbering() -> None:
    assert [chinese_number(n) for n in (1, 3, 10, 12, 20, 25, 99)] == [
        "一",
        "三",
        "十",
        "十二",
        "二十",
        "二十五",
        "九十九",
    ]
    assert numbered_items("赔偿800元\n互不追究") == ["一、赔偿800元", "二、互不追究"]
    assert numbered_items("1、赔偿\n2、道歉") == ["1、赔偿", "2、道歉"]
    assert numbered_items("一次性支付") == ["一次性支付"]
    assert numbered_items("") == []


@pytest.mark.parametrize("lines_of_text", [1, 6])
def test_form_rows_grow_with_their_text(lines_of_text: int) -> None:
    g = FormGrid([30 * mm, 126 * mm])
    g.text(
        "办理情况",
        "转办至镇国土所，办理期限二〇二七年一月六日。" * lines_of_text * 2,
        label_cols=1,
        min_height=12 * mm,
    )
    made = g.table()
    # a row left tall to write in can give way to keep a form whole (a FlexTable)
    table = made.full if isinstance(made, FlexTable) else made
    assert isinstance(made, FlexTable) == (lines_of_text == 1)
    table.wrap(156 * mm, 1000 * mm)
    row = table._rowHeights[0]
    paragraph_height = g.rows[0][1].wrap(126 * mm - 8, 10_000)[1]
    assert row >= 12 * mm and row >= paragraph_height + 8


def test_a_lone_character_never_ends_a_paragraph() -> None:
    lines = breaks("甲乙丙丁戊己庚辛壬", 8)
    assert lines == ["甲乙丙丁戊己庚", "辛壬"]  # not 壬 alone on the last line
    lines = breaks("甲乙丙丁戊己庚辛壬。", 8)
    assert lines[-1] == "辛壬。"  # a character with its full stop is still alone
    assert breaks("甲乙丙丁戊己庚辛壬癸", 8)[-1] == "壬癸"  # two already: left alone


def test_a_checkbox_stays_with_its_label() -> None:
    text = "案件来源：■当事人申请　□调委会主动调解"
    for width in range(8, 16):
        for line in breaks(text, width):
            assert line[-1] not in "□■", (width, line)


def test_code_table_terms_are_not_split() -> None:
    """基本满意 (满意度 code table) is not cut into 基本满/意 in a narrow ledger cell."""
    lines = breaks("回访情况：双方基本满意", 10)
    assert "基本满意" in lines[-1] and "".join(lines) == "回访情况：双方基本满意"
    lines = breaks("调处结果：调解成功，基本满意", 12)
    assert not any(line.endswith(("基本满", "基本", "基")) for line in lines[:-1])
