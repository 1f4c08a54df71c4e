"""The one reader of spreadsheet layouts (issue 14): files, sheets, headers, rows.

Everything about *where* things are in a station's workbook lives here; *what* a cell means
(dates, ID numbers, category words) is :mod:`app.rules.legacy` and the ledger importers.

- :func:`read_source` reads an .xlsx/.xlsm (or .csv) into plain grids: vertically merged cells
  are expanded (and remembered as merged, see :attr:`SheetData.filled`), horizontal merges are
  kept as spans so a group cell (申请人 merged over 姓名/身份证号码/联系电话/住址) is known to
  cover its columns.
- :func:`detect_layout` finds the header under title rows (XX村矛盾纠纷排查调处台账) and
  填报单位/填表人 rows, reads one- or two-row headers, and recognises **party groups**
  (申请人, 被申请人, 当事人一, 当事人二, 来访人情况 …): each group keeps its own name, ID number,
  phone and address columns, with the group's role.
- :func:`group_records` joins the rows of one case written one row per party (一案多人: the
  case's cells merged down, or left blank or repeated below its first row).
- :func:`sheet_order` puts month sheets in calendar order (1月…12月, 2024年3月, 三月).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.rules.errors import AppError, ValidationError
from app.rules.legacy import (
    FieldSpec,
    is_blank,
    match_header,
    normalize_header,
)
from app.rules.text import clean_multiline

MAX_BLANK_RUN = 500  # stop reading a sheet after this many consecutive empty rows
HEADER_SCAN = 25  # header rows are looked for among the first rows only


class ExcelFileError(AppError):
    """The file cannot be read as a workbook; nothing was imported."""


# --- reading files --------------------------------------------------------------------------


@dataclass
class SheetData:
    name: str
    rows: list[list[Any]]
    epoch_1904: bool = False
    # (row, col) 0-based of cells whose value was copied down from a vertically merged anchor
    filled: set[tuple[int, int]] = field(default_factory=set)
    # (row, col) 0-based of cells inside a horizontal merge → the anchor's column
    spans: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class SourceBook:
    path: Path
    sheets: list[SheetData]

    def sheet(self, name: str | None) -> SheetData:
        if name is None:
            return self.sheets[0]
        for s in self.sheets:
            if s.name == name:
                return s
        names = "、".join(f"“{s.name}”" for s in self.sheets)
        raise ValidationError.single(
            "sheet", "工作表", f"文件中没有名为“{name}”的工作表", f"可选：{names}"
        )


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_source(path: Path | str) -> SourceBook:
    """Read every sheet of an .xlsx/.xlsm/.csv file; refuse anything else in plain Chinese."""
    path = Path(path)
    if not path.exists():
        raise ExcelFileError(f"找不到文件“{path}”，请检查路径")
    if path.is_dir():
        raise ExcelFileError(f"“{path.name}”是文件夹，请选择 Excel 文件")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ExcelFileError(f"无法读取文件“{path.name}”（{exc.strerror or exc}）") from exc
    if not head:
        raise ExcelFileError(f"文件“{path.name}”是空文件，请确认选对了文件")
    suffix = path.suffix.lower()
    if head == _OLE_MAGIC:
        raise ExcelFileError(
            f"文件“{path.name}”是旧版 Excel 97-2003（.xls）、WPS（.et）格式或设置了打开密码，"
            "无法直接读取；请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx），去掉密码后再导入"
        )
    if suffix == ".csv":
        return SourceBook(path, [SheetData(path.stem, _read_csv(path))])
    if head[:2] != b"PK":
        raise ExcelFileError(
            f"文件“{path.name}”不是 Excel 工作簿（.xlsx），可能已损坏或只是改了扩展名；"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
        )
    return SourceBook(path, _read_xlsx(path))


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ExcelFileError(f"无法识别文件“{path.name}”的文字编码，请另存为 UTF-8 编码的 CSV")
    rows = [list(r) for r in csv.reader(io.StringIO(text))]
    return [[v if v.strip() else None for v in r] for r in rows]


def _read_xlsx(path: Path) -> list[SheetData]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    broken = (
        f"文件“{path.name}”已损坏或不是完整的 Excel 工作簿，无法读取；"
        "请用 Excel 或 WPS 打开检查，另存为 .xlsx 后再导入"
    )
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, EOFError) as exc:
        raise ExcelFileError(broken) from exc
    except OSError as exc:
        raise ExcelFileError(f"无法读取文件“{path.name}”（{exc.strerror or exc}）") from exc
    except Exception as exc:  # malformed XML and other parser failures inside the package
        raise ExcelFileError(broken) from exc
    sheets: list[SheetData] = []
    epoch_1904 = bool(getattr(wb, "epoch", None) and wb.epoch.year == 1904)
    try:
        for ws in wb.worksheets:
            rows: list[list[Any]] = []
            blank_run = 0
            for values in ws.iter_rows(values_only=True):
                row = list(values)
                if all(is_blank(v) for v in row):
                    blank_run += 1
                    if blank_run > MAX_BLANK_RUN:
                        break
                else:
                    blank_run = 0
                rows.append(row)
            while rows and all(is_blank(v) for v in rows[-1]):
                rows.pop()
            width = max((_last_filled(r) for r in rows), default=0)
            grid = [(r + [None] * width)[:width] for r in rows]
            data = SheetData(ws.title, grid, epoch_1904)
            for rng in ws.merged_cells.ranges:
                r0, c0 = rng.min_row - 1, rng.min_col - 1
                if r0 >= len(grid) or c0 >= width:
                    continue
                if rng.max_col > rng.min_col:
                    for r in range(r0, min(rng.max_row, len(grid))):
                        for c in range(c0, min(rng.max_col, width)):
                            data.spans[(r, c)] = c0
                if rng.max_row == rng.min_row:
                    continue  # horizontal merges: only the anchor carries the value
                value = grid[r0][c0]
                for r in range(r0, min(rng.max_row, len(grid))):
                    for c in range(c0, min(rng.max_col, width)):
                        grid[r][c] = value
                        if r > r0:
                            data.filled.add((r, c))
            sheets.append(data)
    finally:
        wb.close()
    if not any(s.rows for s in sheets):
        raise ExcelFileError(f"文件“{path.name}”中没有任何数据")
    return sheets


def _last_filled(row: Sequence[Any]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if not is_blank(row[i]):
            return i + 1
    return 0


def cell_text(raw: Any) -> str:
    """A cell as the text a clerk sees (dates as ISO, whole floats without “.0”)."""
    if is_blank(raw):
        return ""
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return clean_multiline(str(raw))


# --- party groups ---------------------------------------------------------------------------

# (header word, role); longer words first so 被申请人 is not read as 申请人
_GROUP_WORDS: tuple[tuple[str, str], ...] = (
    ("被申请人", "respondent"),
    ("被申请方", "respondent"),
    ("被反映人", "respondent"),
    ("被投诉人", "respondent"),
    ("当事人一", "applicant"),
    ("当事人甲", "applicant"),
    ("当事人1", "applicant"),
    ("当事人二", "respondent"),
    ("当事人乙", "respondent"),
    ("当事人2", "respondent"),
    ("当事人三", "party"),
    ("当事人3", "party"),
    ("申请人", "applicant"),
    ("申请方", "applicant"),
    ("甲方", "applicant"),
    ("乙方", "respondent"),
    ("来访人", "petitioner"),
    ("信访人", "petitioner"),
    ("来信人", "petitioner"),
    ("来电人", "petitioner"),
    ("反映人", "petitioner"),
    ("当事人", "party"),
)
_GROUP_TAILS = ("基本情况", "基本信息", "情况", "信息", "资料", "")

PARTY_ROLE_LABELS = {
    "applicant": "申请人",
    "respondent": "被申请人",
    "party": "当事人",
    "petitioner": "信访人",
}

# what a column under a group holds
_CHILD_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("name", ("姓名", "名称", "姓名或名称", "名字")),
    (
        "id_number",
        (
            "身份证号码",
            "身份证号",
            "身份证",
            "公民身份号码",
            "身份号码",
            "证件号码",
            "身份证件号码",
        ),
    ),
    (
        "phone",
        ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"),
    ),
    (
        "address",
        (
            "住址",
            "家庭住址",
            "地址",
            "现住址",
            "居住地址",
            "住所",
            "单位或住址",
            "工作单位或住址",
            "住址或单位",
            "居住地",
        ),
    ),
    ("gender", ("性别",)),
    ("age", ("年龄", "出生年月", "出生日期")),
    ("ethnicity", ("民族",)),
    ("occupation", ("职业", "职务", "职业或职务", "工作单位")),
)
CHILD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "联系电话",
    "address": "住址",
    "gender": "性别",
    "age": "年龄",
    "ethnicity": "民族",
    "occupation": "职业",
}


# a column saying which side each row's person is on (one row per party): 当事人身份 申请人/被申请人
_ROLE_COLUMN_WORDS = frozenset(
    {"当事人身份", "当事人类别", "当事人类型", "当事人角色", "当事人地位", "身份", "角色"}
)
_ROLE_VALUES = {
    "申请人": "applicant",
    "申请方": "applicant",
    "甲方": "applicant",
    "被申请人": "respondent",
    "被申请方": "respondent",
    "乙方": "respondent",
    "第三人": "third_party",
    "当事人": "party",
}


def is_role_column(text: Any) -> bool:
    return normalize_header(text) in _ROLE_COLUMN_WORDS


def party_role(value: Any) -> str | None:
    """The role a 当事人身份 cell names (申请人 → applicant); None when it is not one of the
    plain words (no guess from a longer text such as 申请人代理人)."""
    n = re.sub(r"[(（][^)）]*[)）]", "", normalize_header(value))
    return _ROLE_VALUES.get(n)


# the plain name field a lone group's names go to, by the group's role
_NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "applicant": ("applicant", "parties", "petitioner"),
    "respondent": ("respondent", "parties"),
    "petitioner": ("petitioner", "parties"),
    "party": ("parties", "petitioner"),
}


def group_role(text: Any) -> str | None:
    """The role a group header names (申请人 → applicant, 来访人情况 → petitioner)."""
    n = re.sub(r"[(（][^)）]*[)）]", "", normalize_header(text))
    for word, role in _GROUP_WORDS:
        for tail in _GROUP_TAILS:
            if n == word + tail:
                return role
    return None


def child_key(text: Any) -> str | None:
    """What a sub-header under a group holds: name, id_number, phone, address, gender …"""
    n = re.sub(r"[(（][^)）]*[)）]", "", normalize_header(text))
    if not n:
        return None
    for key, words in _CHILD_WORDS:
        if n in words:
            return key
    return None


def _prefixed(text: Any) -> tuple[str, str] | None:
    """A one-row group header: 申请人姓名 → (applicant, name), 被申请人联系电话 → …"""
    n = re.sub(r"[(（][^)）]*[)）]", "", normalize_header(text))
    for word, role in _GROUP_WORDS:
        if n.startswith(word) and len(n) > len(word):
            child = child_key(n[len(word) :])
            if child is not None:
                return role, child
            return None
    return None


@dataclass(frozen=True)
class PartyGroup:
    """A party group of a header: its field key prefix (``g1``), role, title and columns."""

    key: str
    role: str
    title: str
    columns: dict[str, int]  # child (name, id_number, phone, address, …) → column

    def field(self, child: str) -> str:
        return f"{self.key}.{child}"

    def label(self, child: str) -> str:
        return f"{self.title}·{CHILD_LABELS.get(child, child)}"


def split_group_field(key: str) -> tuple[str, str] | None:
    """``g2.id_number`` → (``g2``, ``id_number``); None for a plain field."""
    head, dot, child = key.partition(".")
    if dot and head.startswith("g") and head[1:].isdigit():
        return head, child
    return None


@dataclass
class Layout:
    """Where the header is and what each column means (0-based indices)."""

    header_top: int  # first header row
    row: int  # last header row
    data_start: int
    headers: list[str]
    mapping: dict[int, str]  # column → field key (plain fields and group fields g1.name …)
    groups: list[PartyGroup]
    title: str = ""  # a title row above the header (XX村矛盾纠纷排查调处台账)
    meta: dict[str, str] = field(default_factory=dict)  # 填报单位 / 填表人 / 填报日期 …

    def group_labels(self) -> dict[str, str]:
        return {g.field(c): g.label(c) for g in self.groups for c in g.columns}


def _text(rows: Sequence[Sequence[Any]], r: int, c: int) -> str:
    if 0 <= r < len(rows) and c < len(rows[r]):
        v = rows[r][c]
        return "" if v is None else str(v).strip()
    return ""


def _row_score(row: Sequence[Any], fields: Sequence[FieldSpec]) -> tuple[int, int]:
    """(distinct things named, header-like cells) for a candidate header row."""
    things: set[str] = set()
    hits = 0
    for v in row:
        if not isinstance(v, str) or not v.strip():
            continue
        key = match_header(v, fields)
        role = group_role(v)
        pref = _prefixed(v)
        child = child_key(v)
        if pref is not None:
            things.add(f"{pref[0]}.{pref[1]}")
        elif role is not None:
            things.add(f"group:{role}")
        elif key is not None:
            things.add(key)
        elif child is not None:
            things.add(f"child:{child}")
        else:
            continue
        hits += 1
    return len(things), hits


def _header_like(row: Sequence[Any], fields: Sequence[FieldSpec]) -> bool:
    texts = [v for v in row if not is_blank(v)]
    distinct, hits = _row_score(row, fields)
    return (
        distinct >= 2
        and hits * 2 >= len(texts)
        and not any(
            isinstance(v, datetime | date | int | float) and not isinstance(v, bool) for v in texts
        )
    )


_META = re.compile(
    r"(填报单位|填表单位|单位名称|填表人|填报人|制表人|填报日期|填表日期|制表日期|统计时间)\s*[:：]\s*([^:：]*?)(?=\s*(?:填报单位|填表单位|单位名称|填表人|填报人|制表人|填报日期|填表日期|制表日期|统计时间)\s*[:：]|$)"
)


def _title_and_meta(rows: Sequence[Sequence[Any]], top: int) -> tuple[str, dict[str, str]]:
    title = ""
    meta: dict[str, str] = {}
    for r in range(0, top):
        texts = []
        for v in rows[r]:
            t = "" if is_blank(v) else re.sub(r"\s+", " ", str(v)).strip()
            if t and t not in texts:
                texts.append(t)
        line = " ".join(texts)
        found = _META.findall(line)
        if found:
            meta.update({k: v.strip() for k, v in found if v.strip()})
        elif line and not title:
            title = line
    return title, meta


def detect_layout(
    rows: Sequence[Sequence[Any]],
    fields: Sequence[FieldSpec],
    *,
    spans: Mapping[tuple[int, int], int] | None = None,
    groups_allowed: bool = True,
    group_roles: frozenset[str] | None = None,
    scan: int = HEADER_SCAN,
) -> Layout | None:
    """Find the header under title and 填报单位 rows; None if no row looks like a header.

    The header is the row (among the first ``scan``) naming the most distinct things; the row
    above or below it joins when it is header-like too (a two-row header with merged group
    cells). Group cells (申请人 over 姓名/身份证号码 …, or one-row 申请人姓名/被申请人姓名)
    become :class:`PartyGroup` s when there are two or more groups; a single group is read as
    the ledger's plain party columns. Groups whose role is not in ``group_roles`` (a visit's
    被反映人) are not read as people at all.
    """
    spans = spans or {}
    best: tuple[int, int] | None = None  # (score, index)
    for idx, row in enumerate(rows[:scan]):
        score = _row_score(row, fields)[0]
        if score >= 2 and (best is None or score > best[0]):
            best = (score, idx)
    if best is None:
        return None
    h = best[1]
    top, last = h, h
    if h > 0 and _header_like(rows[h - 1], fields):
        top = h - 1
    elif h + 1 < len(rows) and _header_like(rows[h + 1], fields):
        last = h + 1
    width = max((len(r) for r in rows), default=0)

    def upper(c: int) -> str:
        t = _text(rows, top, c)
        if not t and (top, c) in spans:
            t = _text(rows, top, spans[(top, c)])
        return t

    headers: list[str] = []
    mapping: dict[int, str] = {}
    group_cols: list[tuple[int, str, str, str]] = []  # (column, role, title, child)
    carried = ""  # a group title carried right over blank cells (no merge information)
    for c in range(width):
        u = upper(c)
        low = _text(rows, last, c) if last != top else ""
        if last != top and not u and carried and child_key(low):
            u = carried
        role = group_role(u) if u else None
        carried = u if role is not None else ("" if u else carried)
        if last != top and low and low != u:
            child = child_key(low)
            if role is not None and child is not None:
                group_cols.append((c, role, u, child))
                headers.append(u + low)
                continue
            if groups_allowed and is_role_column(low):
                headers.append(low)
                mapping[c] = "party_role"
                continue
            key = match_header(low, fields) or (match_header(u, fields) if u else None)
            headers.append(low)
            if key is not None:
                mapping[c] = key
            continue
        text = u
        headers.append(text)
        pref = _prefixed(text)
        if pref is not None:
            word = next(w for w, r in _GROUP_WORDS if normalize_header(text).startswith(w))
            group_cols.append((c, pref[0], word, pref[1]))
            continue
        if groups_allowed and is_role_column(text):
            mapping[c] = "party_role"
            continue
        key = match_header(text, fields) if text else None
        if key is not None:
            mapping[c] = key
    groups: list[PartyGroup] = []
    by_title: dict[str, dict[str, int]] = {}
    roles: dict[str, str] = {}
    for c, role, title, child in group_cols:
        cols = by_title.setdefault(title, {})
        roles[title] = role
        if child not in cols:
            cols[child] = c
    if group_roles is not None:  # groups of other roles stay unmapped (kept in the notes)
        by_title = {t: cols for t, cols in by_title.items() if roles[t] in group_roles}
    named = [t for t, cols in by_title.items() if "name" in cols]
    if groups_allowed and len(named) >= 2:
        for n, title in enumerate(named, start=1):
            g = PartyGroup(f"g{n}", roles[title], title, by_title[title])
            groups.append(g)
            for child, c in g.columns.items():
                mapping[c] = g.field(child)
    else:
        # one group (or none with a name): its columns are the ledger's plain party columns —
        # when the ledger has a name field for the group's role (a 被反映人 group is not the
        # petitioner of a visit: its columns stay unmapped and are kept in the notes)
        plain = {f.key for f in fields}
        for title, cols in by_title.items():
            candidates = _NAME_FIELDS[roles[title]]
            name_key = next((k for k in candidates if k in plain), None)
            if name_key is None or "name" not in cols:
                continue
            for child, c in cols.items():
                key = name_key if child == "name" else (child if child in plain else None)
                if key is not None:
                    mapping[c] = key
    # one plain field per column, first column wins on duplicates (e.g. two 日期 columns)
    seen: set[str] = set()
    for c in sorted(mapping):
        if mapping[c] in seen:
            del mapping[c]
        else:
            seen.add(mapping[c])
    title, meta = _title_and_meta(rows, top)
    return Layout(top, last, last + 1, headers, mapping, groups, title, meta)


# --- rows of one case -----------------------------------------------------------------------

PARTY_FIELDS = frozenset(
    {
        "parties",
        "applicant",
        "respondent",
        "petitioner",
        "party_role",
        "id_number",
        "phone",
        "address",
    }
)


def is_party_field(key: str) -> bool:
    return key in PARTY_FIELDS or split_group_field(key) is not None


def group_records(
    sheet: SheetData, data_rows: Sequence[int], mapping: Mapping[int, str]
) -> list[list[int]]:
    """Join the data rows (0-based, in order) of cases written one row per party.

    A row continues the case above it when it names a party and each of its case cells
    (every mapped column that is not a party column) is empty, merged down from the case's
    first row, or the same as there. A different 序号, date, category … starts a new case.
    """
    case_cols = [c for c, k in mapping.items() if not is_party_field(k)]
    party_cols = [c for c, k in mapping.items() if is_party_field(k)]
    records: list[list[int]] = []
    for r in data_rows:
        if records and _continues(sheet, records[-1][0], r, case_cols, party_cols):
            records[-1].append(r)
        else:
            records.append([r])
    return records


def _continues(
    sheet: SheetData, first: int, r: int, case_cols: Sequence[int], party_cols: Sequence[int]
) -> bool:
    row, head = sheet.rows[r], sheet.rows[first]

    def at(values: Sequence[Any], c: int) -> Any:
        return values[c] if c < len(values) else None

    if not any(not is_blank(at(row, c)) for c in party_cols):
        return False
    for c in case_cols:
        v = at(row, c)
        if is_blank(v) or (r, c) in sheet.filled:
            continue
        if cell_text(v) != cell_text(at(head, c)):
            return False
    return True


# --- sheets of a workbook -------------------------------------------------------------------

_CN_MONTHS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
    "正": 1,
    "腊": 12,
    "冬": 11,
}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
_MONTH_NUM = re.compile(r"(?<!\d)(\d{1,2})\s*月")
_MONTH_CN = re.compile(r"(十[一二]|[一二三四五六七八九十正腊冬])\s*月")
_YM_DOT = re.compile(r"((?:19|20)\d{2})\s*[.\-/_]\s*(\d{1,2})(?!\d)")


def sheet_period(name: str) -> tuple[int, int] | None:
    """(year or 0, month) a sheet's name stands for: 1月, 2024年3月, 三月份, 2024.03; None."""
    n = normalize_header(name)
    m = _YM_DOT.search(n)
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    y = _YEAR.search(n)
    year = int(y.group(1)) if y else 0
    rest = n[y.end() :] if y else n
    mn = _MONTH_NUM.search(rest)
    if mn and 1 <= int(mn.group(1)) <= 12:
        return year, int(mn.group(1))
    mc = _MONTH_CN.search(rest)
    if mc:
        return year, _CN_MONTHS[mc.group(1)]
    return None


def sheet_order(names: Sequence[str]) -> list[str]:
    """Month sheets in calendar order (a year's sheets before the next year's); other sheets
    keep their place after them, in workbook order."""
    keyed = []
    for i, n in enumerate(names):
        p = sheet_period(n)
        keyed.append(((0, p[0], p[1], i) if p else (1, 0, 0, i), n))
    return [n for _, n in sorted(keyed)]
