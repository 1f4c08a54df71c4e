"""Value review of a legacy-ledger import: every coded cell read, listed and confirmed (issue 14).

A coded column (纠纷类型, 案件来源, 信访形式, 内容分类, 调处结果 / 办理结果, 是否化解, 协议形式)
is read value by value:

- a code-table spelling (“邻里纠纷”, “①当事人申请”) through :func:`app.rules.legacy.match_code`;
- a status (“化解中”, “双方达成口头协议”, “已转镇城建办”) through the explicit vocabulary of
  :mod:`app.rules.legacy_values` — a doubtful wording is proposed, never taken;
- a 是/否 cell through :func:`app.rules.legacy_values.read_yes_no`.

The dry run lists **every distinct value of every coded column** with its row count, the code it
will be imported as, and whether that is sure, confirmed by the clerk, doubtful or unmapped
(:func:`review_values`). The clerk confirms or changes a value with
``--value 列名:原值=代码或名称`` (:func:`resolve_value_options`) or in the wizard's value step;
the choices are used for this run and remembered for the station **only by a real import**
(:func:`store_values`, called inside the import's transaction) — a dry run writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from app.rules.errors import ValidationError
from app.rules.legacy import (
    CellProblem,
    CodeOption,
    LegacyProblem,
    agreement_kind,
    is_blank,
    match_code,
    normalize_header,
    visit_result,
)
from app.rules.legacy_values import (
    Reading,
    circled_count,
    legacy_code,
    normalize_value,
    read_status,
    read_yes_no,
    resolved_status,
    status_code,
    status_label,
)
from app.rules.text import clean

from .settings import get_value, set_value

# fields whose values are statuses or yes/no rather than a code table
STATUS_FIELD = "result"
RESOLVED_FIELD = "resolved"
AGREEMENT_FIELD = "agreement"
_AGREEMENT_LABELS = {"written": "书面协议", "oral": "口头协议", "none": "未签协议"}
_YES_NO_LABELS = {"yes": "是（已办结）", "no": "否（未办结）"}

STATE_LABELS = {
    "sure": "确定",
    "confirmed": "已确认",
    "doubtful": "待确认",
    "unmapped": "无法对应",
}


def value_key(raw: Any) -> str:
    """The key a source value is remembered under: the normalised header form of the cell with
    any leading enumerator (“①”) removed, so “① 当事人申请” and “当事人申请” share a choice."""
    return normalize_header(normalize_value(raw))


def values_setting(ledger: str) -> str:
    return f"excel.values.{ledger}"


def remembered(session: Any, ledger: str) -> dict[str, dict[str, str]]:
    """Values this station confirmed before: field → {value key: code}."""
    value = get_value(session, values_setting(ledger), {})
    if not isinstance(value, dict):
        return {}
    return {
        str(f): {str(k): str(v) for k, v in m.items()}
        for f, m in value.items()
        if isinstance(m, dict)
    }


def merged(
    base: Mapping[str, Mapping[str, str]], extra: Mapping[str, Mapping[str, str]] | None
) -> dict[str, dict[str, str]]:
    out = {f: dict(m) for f, m in base.items()}
    for f, m in (extra or {}).items():
        out.setdefault(f, {}).update({value_key(k): v for k, v in m.items() if v})
    return out


def store_values(session: Any, ledger: str, choices: Mapping[str, Mapping[str, str]]) -> None:
    """Remember confirmed values (only a real import calls this, inside its transaction)."""
    if not any(choices.values()):
        return
    current = remembered(session, ledger)
    for fld, m in choices.items():
        target = current.setdefault(fld, {})
        for text, code in m.items():
            key = value_key(text)
            if key and code:
                target[key] = code
    set_value(session, values_setting(ledger), current)


# --- reading cells at the importers' seams ---------------------------------------------------


def read_code(
    value_maps: Mapping[str, Mapping[str, str]],
    options: Sequence[CodeOption],
    table: str,
    key: str,
    label: str,
    raw: Any,
    problems: list[CellProblem],
) -> str | None:
    """A code-table cell → code; a confirmed choice first, then the spelling; else a problem
    that names the table (so the clerk can map the value)."""
    if is_blank(raw):
        return None
    chosen = value_maps.get(key, {}).get(value_key(raw))
    if chosen and any(o.code == chosen for o in options):
        return chosen
    found = None if circled_count(str(raw)) > 1 else _match(table, raw, options)
    if found is None:
        names = "、".join(o.label for o in options)
        problems.append(
            CellProblem(
                key,
                f"{label}“{clean(str(raw))}”不在代码表中",
                f"可选：{names}",
                clean(str(raw)),
                unknown_code=table,
            )
        )
    return found


def _match(table: str, raw: Any, options: Sequence[CodeOption]) -> str | None:
    """A code-table spelling: the table's own labels and aliases, then the known legacy
    spellings (only codes the station's table holds)."""
    found = match_code(normalize_value(raw), options)
    if found is None:
        legacy = legacy_code(table, raw)
        if legacy is not None and any(o.code == legacy for o in options):
            found = legacy
    return found


def status_reading(
    value_maps: Mapping[str, Mapping[str, str]], ledger: str, raw: Any
) -> tuple[Reading, bool]:
    """(reading, confirmed): the clerk's confirmed status wins over the vocabulary."""
    reading = read_status(raw, ledger)
    chosen = value_maps.get(STATUS_FIELD, {}).get(value_key(raw))
    if chosen and status_label(ledger, chosen) != chosen:
        return Reading(chosen, True, unit=reading.unit, handling=reading.handling), True
    return reading, False


def read_status_cell(
    value_maps: Mapping[str, Mapping[str, str]],
    ledger: str,
    label: str,
    raw: Any,
    problems: list[CellProblem],
) -> Reading | None:
    """A status cell → a sure reading, or a problem (doubtful: with the proposal; unknown)."""
    if is_blank(raw):
        return None
    reading, _ = status_reading(value_maps, ledger, raw)
    if reading.sure and reading.code is not None:
        return reading
    text = clean(str(raw))
    if reading.code is not None:
        problems.append(
            CellProblem(
                STATUS_FIELD,
                f"{label}“{text}”{reading.why}；建议为“{status_label(ledger, reading.code)}”，"
                "需要确认",
                "",
                text,
                unknown_code=f"status:{ledger}",
            )
        )
    else:
        problems.append(
            CellProblem(
                STATUS_FIELD,
                f"{label}“{text}”无法识别（{reading.why}）",
                "",
                text,
                unknown_code=f"status:{ledger}",
            )
        )
    return None


def read_resolved_cell(
    value_maps: Mapping[str, Mapping[str, str]],
    label: str,
    raw: Any,
    problems: list[CellProblem],
) -> bool | None:
    """是否化解 / 是否办结 → True/False; anything but 是/否 is a problem (to confirm)."""
    if is_blank(raw):
        return None
    chosen = value_maps.get(RESOLVED_FIELD, {}).get(value_key(raw))
    if chosen in ("yes", "no"):
        return chosen == "yes"
    flag = read_yes_no(raw)
    if flag is None:
        text = clean(str(raw))
        problems.append(
            CellProblem(
                RESOLVED_FIELD,
                f"{label}“{text}”不是“是”或“否”",
                "",
                text,
                unknown_code="yesno",
            )
        )
    return flag


def read_agreement_cell(
    value_maps: Mapping[str, Mapping[str, str]], raw: Any, problems: list[CellProblem]
) -> str | None:
    """协议形式 / 是否签订协议 → written | oral | None (no written agreement)."""
    if is_blank(raw):
        return None
    chosen = value_maps.get(AGREEMENT_FIELD, {}).get(value_key(raw))
    if chosen in _AGREEMENT_LABELS:
        return None if chosen == "none" else chosen
    try:
        return agreement_kind(raw)
    except LegacyProblem as exc:
        text = clean(str(raw))
        problems.append(CellProblem(AGREEMENT_FIELD, exc.reason, exc.fix, text, "agreement"))
        return None


def combine_resolved(ledger: str, status: str | None, flag: bool | None) -> str | None:
    """The status from 调处结果 and 是否化解 together; None when they contradict each other."""
    if flag is None:
        return status
    from_flag = resolved_status(flag, ledger)
    if status is None:
        return from_flag
    finished = {"succeeded", "concluded"}
    if flag and status not in finished and status not in ("transferred",):
        return None
    if not flag and status in finished:
        return None
    return status


def _shown(raw: Any) -> str:
    return "" if is_blank(raw) else clean(str(raw))


@dataclass(frozen=True)
class DisputeOutcome:
    """What a legacy row says about a dispute's result (the importer's value seam)."""

    status: str
    agreement: str = "oral"  # written | oral (only meaningful when succeeded)
    agreement_note: str = ""  # why an agreement form was assumed
    transferred_to: str = ""  # a transfer's unit named in the result (“已转镇城建办”)


def dispute_outcome(
    value_maps: Mapping[str, Mapping[str, str]],
    cells: Mapping[str, Any],
    problems: list[CellProblem],
) -> DisputeOutcome:
    """调处结果 + 是否化解 + 协议形式 → the dispute's status, read through the vocabulary and
    the clerk's confirmations; contradictions and doubtful wordings become problems. An empty
    result (and no 是否化解) means the case is still being mediated."""
    result, resolved = cells.get("result"), cells.get("resolved")
    reading = read_status_cell(value_maps, "disputes", "调处结果", result, problems)
    flag = read_resolved_cell(value_maps, "是否化解", resolved, problems)
    status = "mediating"
    if reading is not None or flag is not None:
        combined = combine_resolved("disputes", reading.code if reading else None, flag)
        if combined is None:
            problems.append(
                CellProblem(
                    RESOLVED_FIELD,
                    f"是否化解“{_shown(resolved)}”与调处结果“{_shown(result)}”矛盾",
                    "请核对该纠纷是否已经化解，改正其中一列",
                    _shown(resolved),
                )
            )
        else:
            status = combined
    agreement, note = "oral", ""
    if status == "succeeded":
        raw = cells.get(AGREEMENT_FIELD)
        written = read_agreement_cell(value_maps, raw, problems)
        said = reading.agreement if reading is not None else None
        if said and written and said != written:
            problems.append(
                CellProblem(
                    AGREEMENT_FIELD,
                    f"协议形式“{_shown(raw)}”与调处结果“{_shown(result)}”不一致",
                    "请核对是书面协议还是口头协议",
                    _shown(raw),
                )
            )
        agreement = said or written or "oral"
        if not said and is_blank(raw):
            # 人民调解法第二十八条: without a written agreement on record, an oral one
            note = "原台账未记载协议形式，按口头协议登记"
    unit = reading.unit if reading is not None and reading.code == "transferred" else ""
    return DisputeOutcome(status, agreement, note, unit)


@dataclass(frozen=True)
class VisitOutcome:
    """What a legacy row says about a petition's handling (the importer's value seam)."""

    status: str
    handling: tuple[str, str] | None = None  # (transfer | assign, unit) named in the result


def visit_outcome(
    value_maps: Mapping[str, Mapping[str, str]],
    cells: Mapping[str, Any],
    problems: list[CellProblem],
) -> VisitOutcome:
    """办理结果 + 是否办结 (+ 处理意见 when both are empty) → the visit's status."""
    result, resolved = cells.get("result"), cells.get("resolved")
    reading = read_status_cell(value_maps, "visits", "办理结果", result, problems)
    flag = read_resolved_cell(value_maps, "是否办结", resolved, problems)
    status = "registered"
    if reading is not None or flag is not None:
        combined = combine_resolved("visits", reading.code if reading else None, flag)
        if combined is None:
            problems.append(
                CellProblem(
                    RESOLVED_FIELD,
                    f"是否办结“{_shown(resolved)}”与办理结果“{_shown(result)}”矛盾",
                    "请核对该件是否已经办结，改正其中一列",
                    _shown(resolved),
                )
            )
        else:
            status = combined
    elif is_blank(result):
        status = visit_result(None, cells.get("opinion"))
    handling = None
    if reading is not None and reading.unit:
        handling = (reading.handling or "transfer", reading.unit)
    return VisitOutcome(status, handling)


def confirmation_hints(report: Any) -> None:
    """A refused value that the clerk can confirm gets a fix naming sheet, row, column, the
    value and the exact ``--value`` to pass (``report``: an import report with ``values``,
    ``invalid`` rows and ``sheet``)."""
    by_value = {(v.field, value_key(v.text)): v for v in report.values}
    for r in report.invalid:
        for p in r.problems:
            if not p.unknown_code:
                continue
            item = by_value.get((p.field, value_key(p.value)))
            proposal = item.code_label.split("（", 1)[0] if item is not None else ""
            hint = confirm_hint(
                p.field, p.header, p.field_label, p.value, proposal, report.sheet, r.row, p.column
            )
            p.fix = f"{p.fix}；{hint}" if p.fix else hint


# --- the review ------------------------------------------------------------------------------


@dataclass
class ValueReview:
    """One distinct source value of one coded column, with what the import makes of it."""

    field: str
    label: str  # the field's Chinese label
    column: str  # column letter
    header: str  # the header text in the sheet
    text: str  # the value as written (first spelling seen)
    rows: list[int] = dc_field(default_factory=list)
    code: str = ""  # proposed / confirmed code ("" when unmapped)
    code_label: str = ""
    state: str = "unmapped"  # sure | confirmed | doubtful | unmapped
    why: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (code, label) the clerk may choose from

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def needs_confirmation(self) -> bool:
        return self.state in ("doubtful", "unmapped")

    def option_text(self) -> str:
        """The exact ``--value`` that confirms the proposal (or names the choices)."""
        column = self.header or self.label
        target = self.code_label or "代码或名称"
        return f"--value {column}:{self.text}={target}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "column": self.column,
            "header": self.header,
            "value": self.text,
            "count": self.count,
            "rows": self.rows,
            "code": self.code,
            "code_label": self.code_label,
            "state": self.state,
            "state_label": STATE_LABELS[self.state],
            "why": self.why,
            "confirm": self.option_text() if self.needs_confirmation else "",
        }


def review_fields(code_fields: Mapping[str, str], mapped: Sequence[str]) -> list[str]:
    """The coded fields of a mapping: code tables, the status, 是否化解, 协议形式."""
    wanted = [*code_fields, STATUS_FIELD, RESOLVED_FIELD, AGREEMENT_FIELD]
    return [f for f in wanted if f in mapped]


def status_options(ledger: str) -> tuple[tuple[str, str], ...]:
    from app.rules.legacy_values import DISPUTE_STATUS_LABELS, VISIT_STATUS_LABELS

    table = VISIT_STATUS_LABELS if ledger == "visits" else DISPUTE_STATUS_LABELS
    return tuple(table.items())


def review_one(
    fld: str,
    raw: Any,
    *,
    ledger: str,
    code_fields: Mapping[str, str],
    codes: Mapping[str, Sequence[CodeOption]],
    value_maps: Mapping[str, Mapping[str, str]],
) -> tuple[str, str, str, str, tuple[tuple[str, str], ...]]:
    """(code, code label, state, why, options) for one value of one coded field."""
    key = value_key(raw)
    chosen = value_maps.get(fld, {}).get(key, "")
    if fld in code_fields:
        options = tuple((o.code, o.label) for o in codes.get(code_fields[fld], []))
        labels = dict(options)
        if chosen in labels:
            return chosen, labels[chosen], "confirmed", "", options
        if circled_count(str(raw)) > 1:
            return "", "", "unmapped", "单元格中有多个编号选项", options
        found = _match(code_fields[fld], raw, codes.get(code_fields[fld], []))
        if found:
            return found, labels[found], "sure", "", options
        return "", "", "unmapped", "不在代码表中", options
    if fld == STATUS_FIELD:
        options = status_options(ledger)
        if is_blank(raw):
            open_code = "in_progress" if ledger == "visits" else "mediating"
            if ledger == "visits":
                return "", "按处理意见确定", "sure", "结果为空", options
            return open_code, status_label(ledger, open_code), "sure", "结果为空", options
        reading, confirmed = status_reading(value_maps, ledger, raw)
        if reading.code is None:
            return "", "", "unmapped", reading.why, options
        label = status_label(ledger, reading.code)
        if reading.unit:
            label += f"（{reading.unit}）"
        if confirmed:
            return reading.code, label, "confirmed", "", options
        state = "sure" if reading.sure else "doubtful"
        return reading.code, label, state, reading.why, options
    if fld == RESOLVED_FIELD:
        options = tuple(_YES_NO_LABELS.items())
        if chosen in _YES_NO_LABELS:
            return chosen, _YES_NO_LABELS[chosen], "confirmed", "", options
        flag = read_yes_no(raw)
        if flag is None:
            return "", "", "unmapped", "不是“是”或“否”", options
        code = "yes" if flag else "no"
        return code, _YES_NO_LABELS[code], "sure", "", options
    options = tuple(_AGREEMENT_LABELS.items())
    if chosen in _AGREEMENT_LABELS:
        return chosen, _AGREEMENT_LABELS[chosen], "confirmed", "", options
    try:
        kind = agreement_kind(raw) or "none"
    except LegacyProblem as exc:
        return "", "", "unmapped", exc.reason, options
    return kind, _AGREEMENT_LABELS[kind], "sure", "", options


class ValueCollector:
    """Gathers the distinct values of the coded columns while the rows are read."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = list(fields)
        self.seen: dict[tuple[str, str], tuple[str, list[int]]] = {}

    def add(self, row: int, cells: Mapping[str, Any]) -> None:
        for fld in self.fields:
            raw = cells.get(fld)
            if is_blank(raw) and fld != STATUS_FIELD:
                continue
            key = "" if is_blank(raw) else value_key(raw)
            text = "" if is_blank(raw) else clean(str(raw))
            entry = self.seen.setdefault((fld, key), (text, []))
            entry[1].append(row)

    def review(
        self,
        *,
        ledger: str,
        labels: Mapping[str, str],
        columns: Mapping[str, tuple[str, str]],  # field → (letter, header)
        code_fields: Mapping[str, str],
        codes: Mapping[str, Sequence[CodeOption]],
        value_maps: Mapping[str, Mapping[str, str]],
    ) -> list[ValueReview]:
        out: list[ValueReview] = []
        order = {f: i for i, f in enumerate(self.fields)}
        for (fld, _key), (text, rows) in sorted(
            self.seen.items(), key=lambda kv: (order[kv[0][0]], -len(kv[1][1]), kv[1][0])
        ):
            code, code_label, state, why, options = review_one(
                fld,
                text or None,
                ledger=ledger,
                code_fields=code_fields,
                codes=codes,
                value_maps=value_maps,
            )
            letter, header = columns.get(fld, ("", ""))
            out.append(
                ValueReview(
                    fld,
                    labels.get(fld, fld),
                    letter,
                    header,
                    text or "（空白）",
                    list(rows),
                    code,
                    code_label,
                    state,
                    why,
                    options,
                )
            )
        # what needs the clerk first, then column by column, the most frequent value first
        out.sort(key=lambda v: not v.needs_confirmation)
        return out


def confirm_hint(
    fld: str, header: str, label: str, text: str, proposal: str, sheet: str, row: int, col: str
) -> str:
    """The fix of a refused doubtful/unmapped value: where it is and the exact ``--value``."""
    column = header or label
    target = proposal or "代码或名称"
    where = f"工作表“{sheet}”第{row}行{col}列“{column}”" if col else f"工作表“{sheet}”第{row}行"
    return (
        f"{where}的值“{text}”需要确认：命令行加 --value {column}:{text}={target}"
        "（或改为正确的结果），或在导入向导“核对取值”一步中选择；确认后本站以后导入时会记住"
    )


# --- the clerk's choices (CLI --value, wizard) -----------------------------------------------


def resolve_choice(
    fld: str,
    target: str,
    *,
    ledger: str,
    code_fields: Mapping[str, str],
    codes: Mapping[str, Sequence[CodeOption]],
) -> str:
    """The code a clerk named for a value of ``fld`` (by code, label or alias); refused with
    the list of choices when it names none."""
    t = clean(target)
    if fld in code_fields:
        options = codes.get(code_fields[fld], [])
        code = match_code(t, options)
        if code is None:
            raise ValidationError.single(
                "value",
                "对应分类",
                f"“{target}”不在代码表中",
                "可选：" + "、".join(o.label for o in options),
            )
        return code
    if fld == STATUS_FIELD:
        code = status_code(ledger, t)
        if code is None:
            raise ValidationError.single(
                "value",
                "对应结果",
                f"“{target}”不是可选的结果",
                "可选：" + "、".join(label for _, label in status_options(ledger)),
            )
        return code
    if fld == RESOLVED_FIELD:
        flag = read_yes_no(t)
        if flag is None and t not in ("yes", "no"):
            raise ValidationError.single(
                "value", "是否办结", f"“{target}”不是是/否", "请写“是”或“否”"
            )
        return "yes" if (flag if flag is not None else t == "yes") else "no"
    if fld == AGREEMENT_FIELD:
        for code, label in _AGREEMENT_LABELS.items():
            if t in (code, label, label[:2]):
                return code
        raise ValidationError.single(
            "value",
            "协议形式",
            f"“{target}”不是可选的协议形式",
            "可选：书面协议、口头协议、未签协议",
        )
    raise ValidationError.single("value", "字段", f"“{fld}”不能指定对应", "")


def parse_value_option(item: str) -> tuple[str, str, str]:
    """“列名:原值=代码或名称” → (column, value, target); a clear refusal otherwise."""
    head, sep, target = item.partition("=")
    column, colon, text = head.partition(":")
    if not colon:
        column, colon, text = head.partition("：")
    if not (sep and colon and text.strip() and column.strip() and target.strip()):
        raise ValidationError.single(
            "value",
            "--value",
            f"“{item}”格式不对",
            "请写成“列名:原表写法=代码或名称”，如 --value 纠纷类型:山林权属=山林土地",
        )
    return column.strip(), text.strip(), target.strip()


def resolve_value_options(
    ctx: Any,
    ins: Any,
    options: Sequence[tuple[str, str, str]],
    mapping: Mapping[int, str] | None = None,
) -> dict[str, dict[str, str]]:
    """“列名:原值=代码或名称” choices (CLI ``--value``) → field → {value: code}, checked against
    the sheet's columns and the code tables; nothing is written (a real import remembers them).

    The column may be named by its header in the sheet, its letter, or the field's label."""
    from . import excel_import as ei

    imp = ei.importer_for(ctx, ins.ledger)
    cols = dict(mapping) if mapping is not None else ins.mapping()
    reviewable = review_fields(
        imp.code_fields, [*imp.code_fields, "result", "resolved", "agreement"]
    )
    codes = ei._code_options(ctx, imp.code_tables)
    out: dict[str, dict[str, str]] = {}
    for column, text, target in options:
        col = clean(column)
        hits = [
            c.index
            for c in ins.columns
            if col.upper() == c.letter
            or (c.header and normalize_header(c.header) == normalize_header(col))
        ]
        fld = next((cols[i] for i in hits if i in cols), "")
        if not fld:
            try:
                fld = ei.resolve_field(imp, col)
            except ValidationError:
                fld = ""
        if fld not in reviewable:
            names = "、".join(
                f"“{c.header}”" for c in ins.columns if cols.get(c.index) in reviewable
            ) or "、".join(
                {f.key: f.label for f in imp.fields}[k]
                for k in reviewable
                if k in {f.key: f.label for f in imp.fields}
            )
            raise ValidationError.single(
                "value", "--value", f"“{column}”列不能指定取值对应", f"可指定取值的列：{names}"
            )
        code = resolve_choice(fld, target, ledger=imp.key, code_fields=imp.code_fields, codes=codes)
        out.setdefault(fld, {})[text] = code
    return out
