"""Pagination read back from a PDF: the text lines of each page with their positions
(pdfplumber), and the checks the printed forms must pass whatever their content:

- every multi-page document prints 第N页 共M页 on each page;
- no page holds only signature lines, a seal block (issuer + date) or a tear-off slip;
- a tear-off slip's cut line is on the page of the slip, with the form's text above it;
- no text runs across a table rule (an entry longer than its cell);
- no page before the last is more than 25 % blank (from the lowest drawn text, rule or box
  down to the bottom of the type block, found from the page number's position).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pdfplumber

MM = 72 / 25.4
FOOTER = re.compile(r"^第(\d+)页共(\d+)页$")
# lines that are only a place to sign, a seal block or a date
CLOSING = [
    re.compile(p)
    for p in (
        r"（签名）",
        r"签名",
        r"指印",
        r"（盖章）",
        r"（印章）",
        r"^(\d{4}|[〇一二三四五六七八九零]{4})年\d{0,2}[〇一二三四五六七八九十]*月\d{0,2}[〇一二三四五六七八九十]*日$",
        r"^年月日$",
        r"^[^：]{1,12}：$",  # a bare label (“记录人：”) waiting for a signature
        r"^(人民调解员|记录人|调解员|登记人|承办人|经办人|负责人|审核人|回访人|接收人|联系电话)：",
        r"委员会$|综治中心$|骑缝",
        # the set phrases that close a letter or notice are not its text: a page of 特此告知 /
        # 此致 + the court's blank + signatures is still a page of signatures only
        r"^特此(告知|答复|通知|证明|报告)。?$",
        r"^此致$",
        r"^敬礼[！!]?$",
        r"^＿+(人民法院)?$",
        r"签收",
    )
]
CUT = "裁剪线"


@dataclass
class Line:
    text: str  # white space removed
    top: float  # from the top of the page
    bottom: float


@dataclass
class Page:
    number: int
    height: float
    lines: list[Line]
    footer: Line | None
    lowest: float  # bottom of the lowest drawn thing (text, rule, box) above the footer
    crossed: list[str]  # characters a horizontal rule runs through (text out of its cell)

    @property
    def body(self) -> list[Line]:
        return [ln for ln in self.lines if ln is not self.footer]


def read(pdf: bytes) -> list[Page]:
    pages: list[Page] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for i, whole in enumerate(doc.pages, 1):
            # the 骑缝 mark in the right margin is not part of the page's text
            page = whole.crop((0, 0, float(whole.width) - 14 * MM, float(whole.height)))
            lines: list[Line] = []
            for ln in page.extract_text_lines(layout=False, strip=True):
                t = re.sub(r"\s+", "", ln["text"])
                if t:
                    lines.append(Line(t, float(ln["top"]), float(ln["bottom"])))
            footer = next((ln for ln in reversed(lines) if FOOTER.match(ln.text)), None)
            limit = footer.top - 1 if footer else float(page.height)
            bottoms = [ln.bottom for ln in lines if ln is not footer and ln.bottom < limit]
            for obj in [*page.lines, *page.rects]:
                if float(obj["bottom"]) < limit:
                    bottoms.append(float(obj["bottom"]))
            rules = [
                (float(ln["top"]), float(ln["x0"]), float(ln["x1"]))
                for ln in page.lines
                if abs(float(ln["top"]) - float(ln["bottom"])) < 0.5 and float(ln["width"]) > 10
            ]
            crossed = [
                str(ch["text"])
                for ch in page.chars
                if str(ch["text"]).strip()
                and any(
                    float(ch["top"]) + 0.5 < y < float(ch["bottom"]) - 0.5
                    and x0 < float(ch["x1"]) - 1
                    and x1 > float(ch["x0"]) + 1
                    for y, x0, x1 in rules
                )
            ]
            pages.append(
                Page(i, float(page.height), lines, footer, max(bottoms, default=0.0), crossed)
            )
    return pages


def is_closing(text: str) -> bool:
    return any(p.search(text) for p in CLOSING)


def problems(pages: list[Page], *, slip: str = "", footer_gap: float = 6 * MM) -> list[str]:
    """What is wrong with the pagination of ``pages`` (empty when all is well). ``slip``: the
    title of the form's tear-off slip (回执, 反馈单 …), when it has one."""
    out: list[str] = []
    total = len(pages)
    for pg in pages:
        if total > 1:
            want = f"第{pg.number}页共{total}页"
            if pg.footer is None or pg.footer.text != want:
                out.append(f"第{pg.number}页没有“{want}”")
        if pg.crossed:
            out.append(f"第{pg.number}页有文字压在表格线上：{''.join(pg.crossed[:20])}")
        body = pg.body
        if not body:
            out.append(f"第{pg.number}页是空白页")
            continue
        if pg.number > 1 and all(is_closing(ln.text) for ln in body):
            out.append(f"第{pg.number}页只有签名、盖章或日期：{' / '.join(ln.text for ln in body)}")
        if pg.number < total and pg.footer is not None:
            block_bottom = pg.footer.top - footer_gap
            top = min(p.body[0].top for p in pages if p.body)
            block = block_bottom - top
            blank = (block_bottom - pg.lowest) / block
            if blank > 0.25 and not _forced(pg, pages, top, block):
                out.append(f"第{pg.number}页下方空白{blank:.0%}（超过25%）")
    if slip:
        out += slip_problems(pages, slip)
    return out


def _forced(pg: Page, pages: list[Page], top: float, block: float) -> bool:
    """A page just before the last may end early when the closing page could take none of
    its text and give none back: the two pages' contents together exceed one type block, so
    the closing block (from the agreement's last term to the seal) filled the last page."""
    if pg.number != len(pages) - 1:
        return False
    last = pages[-1]
    used = (pg.lowest - top) + (last.lowest - min(ln.top for ln in last.body))
    return used > block


def slip_problems(pages: list[Page], slip: str) -> list[str]:
    out: list[str] = []
    cut_pages = [pg for pg in pages for ln in pg.body if CUT in ln.text]
    if not cut_pages:
        return [f"没有裁剪线（{slip}）"]
    pg = cut_pages[-1]
    lines = pg.body
    k = next(i for i, ln in enumerate(lines) if CUT in ln.text)
    after = [ln.text for ln in lines[k + 1 :]]
    if not any(slip in t for t in after[:3]):
        out.append(f"第{pg.number}页裁剪线下面不是{slip}")
    if k == 0:
        out.append(f"第{pg.number}页只有{slip}（裁剪线上方没有正文）")
    elif all(is_closing(ln.text) for ln in lines[:k]) and pg.number > 1:
        out.append(f"第{pg.number}页裁剪线上方只有签名或盖章")
    later = [p for p in pages if p.number > pg.number]
    if later:
        out.append(f"{slip}后面还有{len(later)}页")
    return out
