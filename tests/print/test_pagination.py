"""Pagination rules, checked on every form × (1, 2, 3, 5 parties) × (short, very long text)
by reading the PDFs back (pdfplumber text lines and positions): see :mod:`.pdfcheck`.

A dispute has two sides at least, so the dispute forms print their 1-party column with two
parties (the smallest real case); visit forms print for one petitioner.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.print import FORMS, render

from . import matrix, pdfcheck
from .conftest import mediated_dispute, page_texts, render_png

# forms with a tear-off slip: the slip's title
SLIPS = {
    "receipt": "",
    "transfer_notice": "回执",
    "supervision_notice": "反馈单",
    "transfer_slip": "回执",
}

_CACHE: dict[tuple[int, str], matrix.Scenario] = {}


@pytest.fixture(scope="module")
def scenarios(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[int, str], matrix.Scenario]]:
    yield _CACHE
    for sc in _CACHE.values():
        sc.db.close()
        if sc.township is not None:
            sc.township.close()
    _CACHE.clear()


def scenario(
    cache: dict[tuple[int, str], matrix.Scenario],
    factory: pytest.TempPathFactory,
    parties: int,
    length: str,
) -> matrix.Scenario:
    key = (parties, length)
    if key not in cache:
        cache[key] = matrix.build(factory.mktemp("matrix"), factory, parties, length)
    return cache[key]


def test_the_matrix_covers_every_registered_form(
    scenarios: dict[tuple[int, str], matrix.Scenario],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The matrix runs over the registry itself, so a new form enters it the day it is
    registered; this names any form the scenarios give no record to print."""
    sc = scenario(scenarios, tmp_path_factory, matrix.PARTY_COUNTS[0], matrix.LENGTHS[0])
    missing = sorted(set(FORMS) - set(sc.refs))
    assert not missing, f"matrix.build 没有为这些文书准备记录：{missing}"


@pytest.mark.parametrize("length", matrix.LENGTHS)
@pytest.mark.parametrize("parties", matrix.PARTY_COUNTS)
@pytest.mark.parametrize("form", list(FORMS))
def test_pagination_rules(
    scenarios: dict[tuple[int, str], matrix.Scenario],
    tmp_path_factory: pytest.TempPathFactory,
    form: str,
    parties: int,
    length: str,
) -> None:
    sc = scenario(scenarios, tmp_path_factory, parties, length)
    ctx = sc.ctx(form)
    try:
        pdf = render(form, ctx, sc.refs[form])
    finally:
        ctx.close()
    stem = f"matrix-{form}-{parties}-{length}"
    pages = pdfcheck.read(pdf)
    found = pdfcheck.problems(pages, slip=SLIPS.get(form, ""))
    if found:
        render_png(pdf, stem, dpi=60)
    assert not found, f"{stem}: " + "；".join(found)
    if form == "agreement":
        texts = page_texts(pdf)
        # the page where the last term ends (its last characters)
        end = matrix.text("terms", length).splitlines()[-1][-5:]
        last_term = [i for i, t in enumerate(texts) if end in t]
        signs = [i for i, t in enumerate(texts) if "（签名）" in t]
        assert last_term and signs and last_term[-1] == signs[0], (
            f"{stem}: 最后一条协议在第{last_term[-1] + 1}页，签名从第{signs[0] + 1}页开始"
        )
        if parties == 3 and length == "short":
            assert len(texts) <= 2, f"{stem}: 三方普通协议打印了{len(texts)}页"


def test_the_agreement_carries_a_seam_mark_unless_turned_off(ctx: Any) -> None:
    """骑缝章: a multi-page agreement is stamped across its fanned-out pages so no page can be
    swapped (the practice described in “合同盖骑缝章的作用”,
    https://robinawilliams.com/blog-1942816.html: 合同页数超过一页的…加盖骑缝章，避免合同签订后
    当事人替换文本). On by default; a committee that does not use it turns it off."""
    long_terms = "\n".join(
        f"第{i}项：李建国于2026年3月{i + 10}日前完成相应整改，张秀兰予以配合。"
        for i in range(1, 30)
    )
    d = mediated_dispute(ctx, parties=2, terms=long_terms)
    pdf = render("agreement", ctx, d.case_code)
    texts = page_texts(pdf)
    assert len(texts) > 1 and all("骑缝章" in t for t in texts)
    off = page_texts(render("agreement", ctx, d.case_code, {"seam": False}))
    assert not any("骑缝章" in t for t in off)
    short = mediated_dispute(ctx, parties=2, terms="双方和睦相处。", facts="邻里琐事。")
    one = page_texts(render("agreement", ctx, short.case_code))
    if len(one) == 1:
        assert "骑缝章" not in one[0]  # one page: nothing to stamp across
