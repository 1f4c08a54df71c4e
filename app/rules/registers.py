"""Register (台账) field types, value validation and periods — pure functions (DESIGN §10).

A register type is a list of typed fields. Every value a clerk types goes through
:func:`normalize_values`, which returns JSON-ready values or raises a :class:`ValidationError`
that names each bad field in Chinese and says how to fix it. Stored values are accepted again
unchanged (normalisation is idempotent), so partial edits can merge over stored values.

Stored forms (JSON):
    text, long_text, phone, id_number   "…"
    date                                "2026-03-16"
    datetime                            "2026-03-16T09:30:00+08:00" (Beijing time, explicit offset)
    date_range                          {"start": "2026-01-01", "end": "2026-12-31" | null}
    month                               "2026-03"
    number                              int, or float rounded to ``decimals``
    person                              {"name": "张三", "person_id": "…" | null} (list if multiple)
    choice                              the code ("urgent"); inline choices use the label as code
    boolean                             true / false
    attachment                          [{"id", "name", "size", "mime", "sha256"}]
    table                               [{column key: value, …}, …]
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from .dates import CHINA_TZ, EARLIEST, check_plausible, parse_date, parse_local_datetime
from .errors import FieldProblem, Problems, ValidationError
from .idcard import validate_id_number
from .phone import validate_phone
from .pinyin import name_syllables
from .text import clean, clean_multiline, mask_id_number, mask_phone, to_halfwidth

# --- vocabularies ------------------------------------------------------------------------

FIELD_TYPES: dict[str, str] = {
    "text": "文本",
    "long_text": "长文本",
    "date": "日期",
    "datetime": "日期时间",
    "date_range": "日期区间",
    "month": "月份",
    "number": "数字",
    "person": "人员",
    "phone": "电话",
    "id_number": "身份证号",
    "choice": "选项（代码表）",
    "boolean": "是/否",
    "attachment": "附件",
    "table": "明细表",
}
#: What a station admin may add from the UI (``table`` only comes with presets).
LOCAL_FIELD_TYPES = tuple(t for t in FIELD_TYPES if t != "table")
#: Column types allowed inside a ``table`` field.
TABLE_COLUMN_TYPES = (
    "text",
    "long_text",
    "date",
    "datetime",
    "number",
    "person",
    "phone",
    "choice",
    "boolean",
)

PERIODS: dict[str, str] = {
    "daily": "按日",
    "monthly": "按月",
    "yearly": "按年",
    "none": "不分期",
}

#: Which indexed record column a field feeds (see the register_record model).
INDEX_ROLES: dict[str, str] = {
    "": "",
    "date": "登记日期",
    "title": "标题",
    "urgency": "紧急程度",
    "occurred_at": "发生时间",
    "reported_at": "报送时间",
}

URGENT_CODE = "urgent"
URGENT_REPORT_LIMIT = timedelta(hours=1)  # 紧急信息须在事发后1小时内报送

DEFAULT_MAX_TEXT = 200
DEFAULT_MAX_LONG_TEXT = 5000
MAX_LABEL = 20
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # per file, after photo down-scaling
MAX_ATTACHMENTS_PER_FIELD = 10
MAX_TABLE_ROWS = 100
MAX_PERSONS = 200
_BLOCKED_EXTENSIONS = frozenset(
    {".exe", ".bat", ".cmd", ".com", ".scr", ".msi", ".vbs", ".js", ".ps1", ".sh", ".dll", ".lnk"}
)


# --- field specification -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field of a register type, as the rules need it.

    ``options`` (all optional): ``code_table`` or ``choices`` (choice); ``min``/``max``/
    ``decimals``/``unit``/``prefix`` (number); ``max_length`` (text); ``future`` (dates may lie after today);
    ``open_end`` (date_range without end); ``multiple`` (person); ``columns`` (table: list of
    field dicts); ``after`` (key of a date field this one may not precede); ``required_if``
    ({"field": key, "equals": code}); ``accept`` (attachment: "image" or extensions);
    ``default`` ("today" | "now" | "operator" | "this_year" | "this_month" | a literal);
    ``computed`` (filled by the app, never typed); ``min_rows`` (table).
    """

    key: str
    label: str
    type: str
    required: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    index_as: str = ""
    help: str = ""

    def opt(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    @property
    def computed(self) -> bool:
        return bool(self.options.get("computed"))

    def columns(self) -> list[FieldSpec]:
        return [spec_from_dict(c) for c in self.options.get("columns", ())]


def spec_from_dict(data: Mapping[str, Any]) -> FieldSpec:
    """A FieldSpec from its JSON form (preset files, table columns)."""
    reserved = {"key", "label", "type", "required", "index", "help", "list", "print", "width"}
    options = {k: v for k, v in data.items() if k not in reserved}
    if "options" in data and isinstance(data["options"], Mapping):
        options.pop("options")
        options.update(data["options"])
    return FieldSpec(
        key=str(data["key"]),
        label=str(data["label"]),
        type=str(data["type"]),
        required=bool(data.get("required", False)),
        options=options,
        index_as=str(data.get("index", "")),
        help=str(data.get("help", "")),
    )


class ChoiceSource(Protocol):
    """Resolves choice values against code tables (the service supplies one)."""

    def resolve(self, table: str, text: str) -> str | None: ...

    def labels(self, table: str) -> list[str]: ...

    def label(self, table: str, code: str) -> str: ...


@dataclass(frozen=True)
class NewFile:
    """A file the clerk attached in this edit (content already read by the caller)."""

    name: str
    content: bytes
    mime: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


# --- value normalisation ---------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        if isinstance(value, dict):
            return all(is_empty(v) for v in value.values())
        return all(is_empty(v) for v in value)
    return False


_EMPTY_FIX = {
    "text": "请填写",
    "long_text": "请填写",
    "date": "请填写日期，如 2026-03-05",
    "datetime": "请填写日期和时间，如 2026-03-05 09:30",
    "date_range": "请填写起止日期，如 2026-01-01 至 2026-12-31",
    "month": "请填写月份，如 2026-03",
    "number": "请填写数字",
    "person": "请填写姓名",
    "phone": "请填写手机号或固定电话",
    "id_number": "请填写18位身份证号",
    "choice": "请从下拉列表中选择",
    "boolean": "请选择是或否",
    "attachment": "请添加附件",
    "table": "请至少填写一行",
}


class _Ctx:
    """What normalisation needs besides the spec: today, now, choices, problem sink."""

    def __init__(
        self, today: date, now: datetime, choices: ChoiceSource | None, problems: Problems
    ) -> None:
        self.today = today
        self.now = now
        self.choices = choices
        self.problems = problems
        self.count = 0

    def fail(self, key: str, label: str, problem: str, fix: str = "") -> None:
        self.problems.add(key, label, problem, fix)
        self.count += 1

    def adopt(self, err: ValidationError, key: str, label: str) -> None:
        """Take over a helper's problems under this field's key and label."""
        for p in err.problems:
            self.fail(key, label, p.problem, p.fix)

    def extend(self, err: ValidationError, key: str) -> None:
        """Take over a helper's problems keeping their (more specific) labels."""
        for p in err.problems:
            self.fail(key, p.label, p.problem, p.fix)


def _norm_text(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    multiline = spec.type == "long_text"
    text = clean_multiline(str(raw)) if multiline else clean(str(raw))
    limit = int(spec.opt("max_length", DEFAULT_MAX_LONG_TEXT if multiline else DEFAULT_MAX_TEXT))
    if len(text) > limit:
        c.fail(key, label, f"不超过{limit}个字（现有{len(text)}个字）", "请精简")
        return None
    return text


def _norm_date(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    try:
        day = parse_date(raw, key, label)
        check_plausible(day, key, label, today=c.today, allow_future=bool(spec.opt("future")))
    except ValidationError as e:
        c.adopt(e, key, label)
        return None
    return day.isoformat()


def parse_stored_datetime(text: str) -> datetime:
    """A stored datetime value ("2026-03-16T09:30:00+08:00") → aware UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def format_local_datetime(moment: datetime) -> str:
    """Aware datetime → stored form in Beijing time with its offset."""
    return moment.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def _norm_datetime(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    try:
        if isinstance(raw, str) and re.match(r"^\d{4}-\d{2}-\d{2}T.*[+-]\d{2}:\d{2}$", raw.strip()):
            moment = parse_stored_datetime(raw.strip())
        else:
            moment = parse_local_datetime(raw, key, label)
        local = moment.astimezone(CHINA_TZ)
        if local.date() < EARLIEST:
            raise ValidationError.single(
                key, label, f"{local.date().isoformat()} 过早", "请核对年份"
            )
        # a few minutes of slack: clocks on station PCs drift
        if not spec.opt("future") and moment > c.now + timedelta(minutes=10):
            now_text = c.now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            raise ValidationError.single(
                key,
                label,
                f"{local.strftime('%Y-%m-%d %H:%M')} 晚于现在（{now_text}）",
                "请核对时间",
            )
    except ValidationError as e:
        c.adopt(e, key, label)
        return None
    return format_local_datetime(moment)


_RANGE_SPLIT = re.compile(r"\s*(?:~|～|至|到|—|--|/| - )\s*")


def _norm_date_range(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    start_raw: Any
    end_raw: Any
    if isinstance(raw, Mapping):
        start_raw, end_raw = raw.get("start"), raw.get("end")
    elif isinstance(raw, (list, tuple)):
        start_raw = raw[0] if raw else None
        end_raw = raw[1] if len(raw) > 1 else None
    else:
        text = to_halfwidth(str(raw)).strip()
        parts = [p for p in _RANGE_SPLIT.split(text, maxsplit=1)]
        start_raw = parts[0]
        end_raw = parts[1] if len(parts) > 1 else None
        if text.endswith(("起", "至今")):
            start_raw, end_raw = text.removesuffix("至今").removesuffix("起"), None
    future = bool(spec.opt("future"))
    start: date | None = None
    end: date | None = None
    if is_empty(start_raw):
        c.fail(key, label, "缺少开始日期", "请填写开始日期，如 2026-01-01")
    else:
        try:
            start = parse_date(start_raw, key, f"{label}的开始日期")
            check_plausible(start, key, f"{label}的开始日期", today=c.today, allow_future=future)
        except ValidationError as e:
            c.extend(e, key)
            start = None
    if is_empty(end_raw):
        if not spec.opt("open_end"):
            c.fail(key, label, "缺少结束日期", "请填写结束日期，如 2026-12-31")
    else:
        try:
            end = parse_date(end_raw, key, f"{label}的结束日期")
            check_plausible(end, key, f"{label}的结束日期", today=c.today, allow_future=True)
        except ValidationError as e:
            c.extend(e, key)
            end = None
    if start and end and end < start:
        c.fail(
            key,
            label,
            f"结束日期（{end.isoformat()}）早于开始日期（{start.isoformat()}）",
            "请核对起止日期",
        )
        return None
    if start is None:
        return None
    return {"start": start.isoformat(), "end": end.isoformat() if end else None}


_MONTH = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?$")


def parse_month(raw: Any, key: str, label: str) -> tuple[int, int]:
    text = to_halfwidth(str(raw)).strip()
    m = _MONTH.match(text) or re.match(r"^(\d{4})(\d{2})$", text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError.single(key, label, f"“{raw}”不是月份", "请写成 2026-03 或 2026年3月")
    return int(m.group(1)), int(m.group(2))


def _norm_month(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    try:
        y, mo = parse_month(raw, key, label)
        first = date(y, mo, 1)
        if first < date(EARLIEST.year, EARLIEST.month, 1):
            raise ValidationError.single(key, label, f"{y}年{mo}月 过早", "请核对年份")
        if not spec.opt("future") and first > c.today:
            raise ValidationError.single(key, label, f"{y}年{mo}月 尚未到来", "请核对月份")
    except ValidationError as e:
        c.adopt(e, key, label)
        return None
    return f"{y:04d}-{mo:02d}"


def _norm_number(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    if isinstance(raw, bool):
        c.fail(key, label, f"“{raw}”不是数字", "请填写数字")
        return None
    unit = str(spec.opt("unit", ""))
    text = to_halfwidth(str(raw)).strip().replace(",", "").replace("，", "")
    if unit:
        text = text.removesuffix(unit).strip()
    prefix = str(spec.opt("prefix", ""))
    if prefix:
        text = text.removeprefix(prefix).strip()
    for suffix in ("人", "次", "元", "个", "件", "期"):
        text = text.removesuffix(suffix).strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        c.fail(
            key, label, f"“{raw}”不是数字", "请只填写数字" + (f"（单位：{unit}）" if unit else "")
        )
        return None
    if not value.is_finite():
        c.fail(key, label, f"“{raw}”不是数字", "请只填写数字")
        return None
    decimals = int(spec.opt("decimals", 0))
    if value != round(value, decimals):
        if decimals == 0:
            c.fail(key, label, f"“{raw}”应为整数", "请填写整数")
        else:
            c.fail(key, label, f"最多保留{decimals}位小数", "请核对")
        return None
    lo, hi = spec.opt("min"), spec.opt("max")
    if lo is not None and value < Decimal(str(lo)):
        c.fail(key, label, f"不能小于{lo}", "请核对数值")
        return None
    if hi is not None and value > Decimal(str(hi)):
        c.fail(key, label, f"不能大于{hi}", "请核对数值")
        return None
    return int(value) if decimals == 0 else float(round(value, decimals))


_PERSON_SPLIT = re.compile(r"[、,，;；\n]+")


def _one_person(raw: Any, c: _Ctx, key: str, label: str) -> dict[str, Any] | None:
    if isinstance(raw, Mapping):
        name = clean(str(raw.get("name", "")))
        pid = raw.get("person_id") or None
    else:
        name, pid = clean(str(raw)), None
    if not name:
        return None
    if len(name) > 60:
        c.fail(key, label, f"“{name[:10]}…”过长", "姓名不超过60个字")
        return None
    return {"name": name, "person_id": str(pid) if pid else None}


def _norm_person(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    if not spec.opt("multiple"):
        if isinstance(raw, (list, tuple)):
            items = [r for r in raw if not is_empty(r)]
            if len(items) > 1:
                c.fail(key, label, "只能填写一人", "请只保留一人")
                return None
            raw = items[0] if items else ""
        return _one_person(raw, c, key, label)
    items_raw: Iterable[Any]
    if isinstance(raw, (list, tuple)):
        items_raw = raw
    elif isinstance(raw, Mapping):
        items_raw = [raw]
    else:
        items_raw = _PERSON_SPLIT.split(str(raw))
    people: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items_raw:
        p = _one_person(item, c, key, label)
        if p is None:
            continue
        ident = p["person_id"] or p["name"]
        if ident in seen:
            continue
        seen.add(ident)
        people.append(p)
    if len(people) > MAX_PERSONS:
        c.fail(key, label, f"超过{MAX_PERSONS}人", "人数较多时请填写单位或附名单")
        return None
    return people or None


def _norm_phone(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    try:
        return validate_phone(str(raw), field=key, label=label)
    except ValidationError as e:
        c.adopt(e, key, label)
        return None


def _norm_id_number(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    try:
        return validate_id_number(
            str(raw), today=c.today, allow_15=bool(spec.opt("allow_15"))
        ).number
    except ValidationError as e:
        c.adopt(e, key, label)
        return None


def inline_choices(spec: FieldSpec) -> list[str]:
    return [clean(str(x)) for x in spec.opt("choices", ()) if clean(str(x))]


def _norm_choice(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    text = clean(str(raw))
    table = spec.opt("code_table")
    if table:
        if c.choices is None:
            raise RuntimeError("choice field needs a ChoiceSource")
        code = c.choices.resolve(str(table), text)
        if code is None:
            options = "、".join(c.choices.labels(str(table)))
            c.fail(key, label, f"“{text}”不是可选项", f"可选：{options}")
        return code
    options_list = inline_choices(spec)
    if text in options_list:
        return text
    c.fail(key, label, f"“{text}”不是可选项", f"可选：{'、'.join(options_list)}")
    return None


_TRUE = {"true", "1", "yes", "y", "是", "对", "已完成", "完成", "已", "√", "✓"}
_FALSE = {"false", "0", "no", "n", "否", "未完成", "未", "×", "无"}


def _norm_boolean(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    if isinstance(raw, bool):
        return raw
    text = clean(str(raw)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    c.fail(key, label, f"“{raw}”无法识别", "请填写“是”或“否”")
    return None


def file_extension(name: str) -> str:
    m = re.search(r"(\.[A-Za-z0-9]{1,8})$", name)
    return m.group(1).lower() if m else ""


IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff")


def _accepts(spec: FieldSpec, name: str) -> bool:
    accept = spec.opt("accept")
    ext = file_extension(name)
    if not accept:
        return True
    if accept == "image":
        return ext in IMAGE_EXTENSIONS
    return ext in {str(a).lower() for a in accept}


def _norm_attachment(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    out: list[Any] = []
    for item in items:
        if is_empty(item):
            continue
        if isinstance(item, NewFile):
            name = clean(item.name)
            ext = file_extension(name)
            if not name:
                c.fail(key, label, "文件名为空", "请重新选择文件")
            elif ext in _BLOCKED_EXTENSIONS:
                c.fail(key, label, f"不能上传程序或脚本文件（{name}）", "请上传文档、图片或扫描件")
            elif not _accepts(spec, name):
                want = (
                    "图片（jpg、png）"
                    if spec.opt("accept") == "image"
                    else "、".join(spec.opt("accept"))
                )
                c.fail(key, label, f"“{name}”的文件类型不符", f"请上传{want}")
            elif item.size == 0:
                c.fail(key, label, f"“{name}”是空文件", "请重新选择文件")
            elif item.size > MAX_ATTACHMENT_BYTES:
                mb = item.size / 1024 / 1024
                limit = MAX_ATTACHMENT_BYTES // 1024 // 1024
                c.fail(
                    key,
                    label,
                    f"“{name}”有{mb:.1f}MB，超过{limit}MB上限",
                    "请压缩或分页扫描后再上传（附件随同步包传送，过大会拖慢同步）",
                )
            else:
                out.append(item)
        elif isinstance(item, Mapping) and item.get("id"):
            out.append(
                {
                    "id": str(item["id"]),
                    "name": str(item.get("name", "")),
                    "size": int(item.get("size", 0)),
                    "mime": str(item.get("mime", "")),
                    "sha256": str(item.get("sha256", "")),
                }
            )
        else:
            c.fail(key, label, "附件格式无法识别", "请通过“添加附件”选择文件")
    limit = int(spec.opt("max_files", MAX_ATTACHMENTS_PER_FIELD))
    if len(out) > limit:
        c.fail(key, label, f"最多{limit}个文件（现有{len(out)}个）", "请删除多余的文件")
        return None
    return out or None


def _norm_table(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        c.fail(key, label, "格式不正确", "请逐行填写明细")
        return None
    columns = spec.columns()
    rows: list[dict[str, Any]] = []
    for row in raw:
        if not isinstance(row, Mapping) or is_empty(dict(row)):
            continue
        n = len(rows) + 1
        known = {col.key for col in columns} | {col.label for col in columns}
        for k in row:
            if k not in known:
                c.fail(f"{key}[{n - 1}]", f"{label}第{n}行", f"没有“{k}”这一栏", "请核对栏目名称")
        by_label = {col.label: col.key for col in columns}
        cells = {by_label.get(k, k): v for k, v in row.items()}
        clean_row: dict[str, Any] = {}
        for col in columns:
            ck, cl = f"{key}[{n - 1}].{col.key}", f"{label}第{n}行的{col.label}"
            value = _normalize_one(col, cells.get(col.key), c, ck, cl)
            if value is not None:
                clean_row[col.key] = value
        _cross_checks(
            columns, clean_row, c, key_prefix=f"{key}[{n - 1}].", label_prefix=f"{label}第{n}行的"
        )
        rows.append(clean_row)
    if len(rows) > MAX_TABLE_ROWS:
        c.fail(key, label, f"超过{MAX_TABLE_ROWS}行", "请分成多条记录")
        return None
    min_rows = int(spec.opt("min_rows", 0))
    if rows and len(rows) < min_rows:
        c.fail(key, label, f"至少需要{min_rows}行", "请补充")
    return rows or None


_NORMALIZERS: dict[str, Callable[[FieldSpec, Any, _Ctx, str, str], Any]] = {
    "text": _norm_text,
    "long_text": _norm_text,
    "date": _norm_date,
    "datetime": _norm_datetime,
    "date_range": _norm_date_range,
    "month": _norm_month,
    "number": _norm_number,
    "person": _norm_person,
    "phone": _norm_phone,
    "id_number": _norm_id_number,
    "choice": _norm_choice,
    "boolean": _norm_boolean,
    "attachment": _norm_attachment,
    "table": _norm_table,
}


def _normalize_one(spec: FieldSpec, raw: Any, c: _Ctx, key: str, label: str) -> Any:
    if is_empty(raw) and not isinstance(raw, bool):
        if spec.required:
            c.fail(key, label, "不能为空", _EMPTY_FIX.get(spec.type, "请填写"))
        return None
    before = c.count
    value = _NORMALIZERS[spec.type](spec, raw, c, key, label)
    if value is None and spec.required and c.count == before:
        c.fail(key, label, "不能为空", _EMPTY_FIX.get(spec.type, "请填写"))
    return value


def _sortable(spec: FieldSpec, value: Any) -> str | None:
    """A comparable text (ISO date/time) of a date-like value, for order checks."""
    if value is None:
        return None
    if spec.type == "date":
        return str(value)
    if spec.type == "datetime":
        return parse_stored_datetime(str(value)).isoformat()
    if spec.type == "date_range":
        return str(value["start"])
    if spec.type == "month":
        return f"{value}-01"
    return None


def _cross_checks(
    specs: Sequence[FieldSpec],
    values: Mapping[str, Any],
    c: _Ctx,
    *,
    key_prefix: str = "",
    label_prefix: str = "",
) -> None:
    by_key = {s.key: s for s in specs}
    for spec in specs:
        cond = spec.opt("required_if")
        if cond and is_empty(values.get(spec.key)):
            other = values.get(str(cond.get("field")))
            other_spec = by_key.get(str(cond.get("field")))
            other_label = other_spec.label if other_spec else ""
            if cond.get("present"):
                hit = other is not None
                why = f"填写了{other_label}时"
            else:
                hit = other is not None and other == cond.get("equals")
                why = f"{other_label}为“{cond.get('label', cond.get('equals'))}”时"
            if hit:
                c.fail(
                    key_prefix + spec.key,
                    label_prefix + spec.label,
                    f"{why}必须填写",
                    _EMPTY_FIX.get(spec.type, "请填写"),
                )
        after_key = spec.opt("after")
        if after_key and after_key in by_key:
            mine = _sortable(spec, values.get(spec.key))
            other_spec = by_key[after_key]
            theirs = _sortable(other_spec, values.get(after_key))
            if mine is not None and theirs is not None and mine < theirs:
                c.fail(
                    key_prefix + spec.key,
                    label_prefix + spec.label,
                    f"早于{label_prefix}{other_spec.label}",
                    "请核对日期先后",
                )


def normalize_values(
    specs: Sequence[FieldSpec],
    raw: Mapping[str, Any],
    *,
    today: date,
    now: datetime,
    choices: ChoiceSource | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate every field; return ``{key: stored value}`` without empty values.

    ``raw`` is keyed by field key. Computed fields are skipped (the app fills them); their
    current values may be given in ``context`` so that order checks against them still apply.
    Raises one :class:`ValidationError` listing every problem; nothing is partially accepted.
    """
    problems = Problems()
    c = _Ctx(today, now, choices, problems)
    known = {s.key for s in specs}
    for k in raw:
        if k not in known:
            c.fail(k, k, "不是本台账的栏目", "请核对栏目名称")
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.computed:
            continue
        value = _normalize_one(spec, raw.get(spec.key), c, spec.key, spec.label)
        if value is not None:
            out[spec.key] = value
    _cross_checks(specs, {**(context or {}), **out}, c)
    problems.raise_if_any()
    return out


def resolve_keys(specs: Sequence[FieldSpec], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Accept field keys or Chinese labels as keys (CLI, Excel import)."""
    by_label = {s.label: s.key for s in specs}
    return {by_label.get(k.strip(), k.strip()): v for k, v in raw.items()}


# --- display ---------------------------------------------------------------------------------


LabelFn = Callable[[str, str], str]


def display_value(
    spec: FieldSpec,
    value: Any,
    *,
    choice_label: LabelFn | None = None,
    show_id: bool = False,
    multiline: bool = False,
    show_phone: bool = True,
) -> str:
    """The text a list, a dialog summary or a printout shows for a stored value (ID numbers
    masked unless ``show_id``, phones masked when ``show_phone`` is False)."""
    if value is None or (isinstance(value, (str, list)) and not value):
        return ""
    t = spec.type
    if t == "phone" and not show_phone:
        return mask_phone(str(value))
    if t in ("text", "long_text", "phone", "month"):
        if t == "month":
            y, mo = str(value).split("-")
            return f"{int(y)}年{int(mo)}月"
        return str(value)
    if t == "id_number":
        return str(value) if show_id else mask_id_number(str(value))
    if t == "date":
        return str(value)
    if t == "datetime":
        return datetime.fromisoformat(str(value)).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    if t == "date_range":
        end = value.get("end")
        return f"{value['start']} 至 {end}" if end else f"{value['start']} 起"
    if t == "number":
        return f"{spec.opt('prefix', '')}{value}{spec.opt('unit', '')}"
    if t == "person":
        people = value if isinstance(value, list) else [value]
        return "、".join(
            str(p.get("name", "")) if isinstance(p, Mapping) else str(p) for p in people
        )
    if t == "choice":
        table = spec.opt("code_table")
        if table and choice_label is not None:
            return choice_label(str(table), str(value))
        return str(value)
    if t == "boolean":
        return "是" if value else "否"
    if t == "attachment":
        names = [str(a.get("name", "")) for a in value]
        if len(names) <= 2:
            return "、".join(names)
        return f"{names[0]} 等{len(names)}个文件"
    if t == "table":
        cols = spec.columns()
        if not multiline:
            return f"{len(value)}项"
        lines = []
        for i, row in enumerate(value, 1):
            parts = [
                display_value(
                    col,
                    row.get(col.key),
                    choice_label=choice_label,
                    show_id=show_id,
                    show_phone=show_phone,
                )
                for col in cols
            ]
            rest = []
            for col, p in zip(cols[1:], parts[1:], strict=True):
                if col.type == "boolean":
                    if row.get(col.key):
                        rest.append(col.label)  # "已完成"; an unticked box says nothing
                elif p:
                    rest.append(f"{col.label}：{p}")
            head = parts[0]
            lines.append(f"{i}. {head}" + (f"（{'，'.join(rest)}）" if rest else ""))
        return "\n".join(lines)
    return str(value)


def search_words(spec: FieldSpec, value: Any, choice_label: LabelFn | None = None) -> str:
    """Text that a search over the register should match (no ID numbers)."""
    if spec.type in ("id_number", "attachment", "boolean"):
        return ""
    return display_value(spec, value, choice_label=choice_label, multiline=True)


# --- indexed columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Indexed:
    record_date: date | None
    date_end: date | None
    title: str
    is_urgent: bool
    occurred_at: datetime | None
    reported_at: datetime | None


def indexed_columns(specs: Sequence[FieldSpec], values: Mapping[str, Any]) -> Indexed:
    record_date: date | None = None
    date_end: date | None = None
    title = ""
    urgent = False
    occurred: datetime | None = None
    reported: datetime | None = None
    for spec in specs:
        value = values.get(spec.key)
        if value is None:
            continue
        role = spec.index_as
        if role == "date":
            if spec.type == "date":
                record_date = date.fromisoformat(value)
            elif spec.type == "datetime":
                record_date = datetime.fromisoformat(value).astimezone(CHINA_TZ).date()
            elif spec.type == "date_range":
                record_date = date.fromisoformat(value["start"])
                date_end = date.fromisoformat(value["end"]) if value.get("end") else None
            elif spec.type == "month":
                y, mo = (int(x) for x in str(value).split("-"))
                record_date = date(y, mo, 1)
                date_end = date(y, mo, calendar.monthrange(y, mo)[1])
        elif role == "title":
            title = display_value(spec, value)[:200]
        elif role == "urgency":
            urgent = value == URGENT_CODE
        elif role == "occurred_at" and spec.type == "datetime":
            occurred = parse_stored_datetime(value)
        elif role == "reported_at" and spec.type == "datetime":
            reported = parse_stored_datetime(value)
    if record_date is None and occurred is not None:
        record_date = occurred.astimezone(CHINA_TZ).date()
    return Indexed(record_date, date_end, title, urgent, occurred, reported)


def report_is_late(
    is_urgent: bool, occurred_at: datetime | None, reported_at: datetime | None, now: datetime
) -> bool:
    """The 1-hour rule for urgent information: reported more than an hour after it happened,
    or still unreported an hour after it happened."""
    if not is_urgent or occurred_at is None:
        return False
    if reported_at is None:
        return now - occurred_at > URGENT_REPORT_LIMIT
    return reported_at - occurred_at > URGENT_REPORT_LIMIT


# --- periods -----------------------------------------------------------------------------------


def period_key(period: str, day: date | None) -> str:
    """The period a record falls in: "2026-03-16" (daily), "2026-03", "2026", "" (none)."""
    if day is None or period == "none":
        return ""
    if period == "daily":
        return day.isoformat()
    if period == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "yearly":
        return f"{day.year:04d}"
    raise ValueError(f"unknown period {period!r}")


def period_bounds(period: str, key: str) -> tuple[date, date]:
    """First and last day (inclusive) of a period key."""
    if period == "daily":
        d = date.fromisoformat(key)
        return d, d
    if period == "monthly":
        y, mo = (int(x) for x in key.split("-"))
        return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
    if period == "yearly":
        y = int(key)
        return date(y, 1, 1), date(y, 12, 31)
    raise ValueError(f"period {period!r} has no bounds")


def period_label(period: str, key: str) -> str:
    if not key:
        return ""
    if period == "daily":
        d = date.fromisoformat(key)
        return f"{d.year}年{d.month}月{d.day}日"
    if period == "monthly":
        y, mo = (int(x) for x in key.split("-"))
        return f"{y}年{mo}月"
    if period == "yearly":
        return f"{int(key)}年"
    return key


def range_label(start: date | None, end: date | None) -> str:
    """Chinese label of a date range, collapsing whole months and years."""
    if start is None and end is None:
        return "全部"
    if start is not None and end is not None:
        if start == end:
            return period_label("daily", start.isoformat())
        if start.day == 1 and end == period_bounds("monthly", period_key("monthly", start))[1]:
            return period_label("monthly", period_key("monthly", start))
        if (start.month, start.day) == (1, 1) and (end.year, end.month, end.day) == (
            start.year,
            12,
            31,
        ):
            return f"{start.year}年"
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    if start is not None:
        return f"{start.year}年{start.month}月{start.day}日起"
    assert end is not None
    return f"截至{end.year}年{end.month}月{end.day}日"


# --- type and field definitions -------------------------------------------------------------


def check_label(raw: str, key: str, label: str) -> str:
    text = clean(raw)
    if not text:
        raise ValidationError.single(key, label, "不能为空", "请填写")
    if len(text) > MAX_LABEL:
        raise ValidationError.single(key, label, f"不超过{MAX_LABEL}个字", "请使用简称")
    if re.search(r"[=\[\]{}<>\\|]", text):
        raise ValidationError.single(key, label, "不能含有 = [ ] { } < > \\ | 等符号", "请修改")
    return text


def make_key(label: str, taken: Iterable[str], prefix: str = "f") -> str:
    """A stable ASCII key from a Chinese label (pinyin), unique among ``taken``."""
    syllables = name_syllables(label)
    base = "_".join(syllables)[:30] if syllables else ""
    base = re.sub(r"[^a-z0-9_]", "", base) or prefix
    if base[0].isdigit():
        base = f"{prefix}_{base}"
    used = set(taken)
    key, n = base, 2
    while key in used:
        key = f"{base}_{n}"
        n += 1
    return key


def check_field_definition(
    label: str,
    field_type: str,
    options: Mapping[str, Any],
    *,
    known_code_tables: Iterable[str],
    local: bool = True,
) -> None:
    """What a station admin's new or changed field must satisfy; raise naming the problem."""
    problems = Problems()
    try:
        check_label(label, "label", "栏目名称")
    except ValidationError as e:
        problems.extend(e)
    allowed_types = LOCAL_FIELD_TYPES if local else tuple(FIELD_TYPES)
    if field_type not in allowed_types:
        problems.add(
            "type",
            "栏目类型",
            f"“{field_type}”无效",
            "可选：" + "、".join(FIELD_TYPES[t] for t in allowed_types),
        )
    if field_type == "choice":
        table = options.get("code_table")
        choices = [clean(str(x)) for x in options.get("choices", ()) if clean(str(x))]
        if table:
            if table not in set(known_code_tables):
                problems.add("code_table", "代码表", f"“{table}”不存在", "请选择已有的代码表")
        elif not choices:
            problems.add("choices", "可选项", "不能为空", "请选择代码表，或每行填写一个选项")
        elif len(set(choices)) != len(choices):
            problems.add("choices", "可选项", "有重复的选项", "请删除重复项")
        elif any(len(ch) > 40 for ch in choices):
            problems.add("choices", "可选项", "单个选项不超过40个字", "请精简")
    if field_type == "number":
        lo, hi = options.get("min"), options.get("max")
        try:
            if lo is not None and hi is not None and Decimal(str(lo)) > Decimal(str(hi)):
                problems.add("max", "最大值", "小于最小值", "请核对")
        except InvalidOperation:
            problems.add("min", "取值范围", "不是数字", "请填写数字")
        decimals = options.get("decimals", 0)
        if not isinstance(decimals, int) or not 0 <= decimals <= 4:
            problems.add("decimals", "小数位数", "应为0至4", "请核对")
    problems.raise_if_any()


def field_problem(key: str, label: str, problem: str, fix: str = "") -> FieldProblem:
    return FieldProblem(key, label, problem, fix)
