"""Ledger search: Chinese substrings, case codes, ID numbers, phones and pinyin initials.

The index lives in FTS5 tables with the trigram tokenizer (revision 0002): ``fts_visit``,
``fts_dispute`` and ``fts_person``, one row per record, kept current by triggers.

* A term of three or more characters is a trigram phrase query (``"土地承包"``).
* A term of one or two characters has no trigram of its own. Every indexed character is followed
  by at least two more (fields end in two line breaks), so each occurrence of the term starts
  some indexed trigram: the records holding a trigram that begins with the term are read from
  the index's instance vocabulary (``fts_*_vocab_inst``, revision 0003) in one pass over that
  range of trigrams. Exact, and fast because the vocabulary is sorted (~0.5 ms for a common
  surname at 100k records, where a MATCH OR-ing its hundreds of trigrams took ~20 ms).
* People are found by name prefix (``张三``), pinyin initials prefix (``zs`` finds 张三), and, for
  longer terms, anywhere in name, full pinyin, ID number, phone, address and employer; a case
  matches when one of its live people does.

Several terms separated by spaces must all match (each in the record or in one of its people).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    column,
    false,
    func,
    or_,
    select,
    table,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from app.models import Dispute, DisputeParty, Person, Visit, VisitPerson
from app.rules.text import clean, to_halfwidth

CaseKind = Literal["visit", "dispute"]

MAX_TERMS = 6
# More index hits than this and a direct test on each row (walking the list's sort order until a
# page is full) beats looking every hit up and sorting them. Measured at 100k records.
DIRECT_LIMIT = 5000
PERSON_DIRECT_LIMIT = 15000
_ASCII_WORD = re.compile(r"^[a-z]+$")


def terms_of(text: str) -> list[str]:
    """Split a query into distinct terms (full-width forms folded, lower-cased, at most six)."""
    raw = clean(to_halfwidth(text or "")).lower()
    seen: list[str] = []
    for part in raw.split(" "):
        term = part.strip("\"'“”")
        if term and term not in seen:
            seen.append(term)
    return seen[:MAX_TERMS]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_expression(session: Session, name: str, term: str) -> str | None:
    """The FTS5 MATCH expression for one term in ``fts_<name>``; None when nothing can match.

    A one- or two-character term is not matched by expression: it is looked up in the instance
    vocabulary (:func:`_short_docs`); here only whether any trigram begins with it is checked,
    and the term is returned quoted."""
    if len(term) >= 3:
        return _quote(term)
    vocab = table(f"fts_{name}_vocab", column("term"))
    found = session.execute(
        select(vocab.c.term)
        .where(vocab.c.term >= term, vocab.c.term < term + "\U0010ffff")
        .limit(1)
    ).first()
    return None if found is None else _quote(term)


def _fts_ids(name: str, expression: str) -> Select[Any]:
    """Record ids whose index row matches ``expression``."""
    fts = table(f"fts_{name}", column("rowid"), column("body"))
    key = table(f"fts_{name}_key", column("k"), column("id", String))
    return (
        select(key.c.id)
        .select_from(fts.join(key, key.c.k == fts.c.rowid))
        .where(fts.c.body.op("MATCH")(expression))
    )


def fts_count(session: Session, name: str, expression: str) -> int:
    fts = table(f"fts_{name}", column("rowid"), column("body"))
    return int(
        session.scalar(
            select(func.count()).select_from(fts).where(fts.c.body.op("MATCH")(expression))
        )
        or 0
    )


def _contains(fields: list[Any], term: str) -> ColumnElement[bool]:
    """Direct substring test on a row's own columns (same text and folding as the index).

    Each field is tested on its own (a term never spans two fields in the index either);
    case folding is applied only when the term has letters to fold."""
    fold = any(c.isascii() and c.isalpha() for c in term)
    tests = [
        func.instr(func.lower(func.coalesce(f, "")) if fold else func.coalesce(f, ""), term) > 0
        for f in fields
    ]
    return or_(*tests)


def _is_ascii(term: str) -> bool:
    return term.isascii()


# --- without the full-text index (a PostgreSQL hub) --------------------------------------------


def has_index(session: Session) -> bool:
    """The FTS5 tables exist only in SQLite ledgers; a PostgreSQL hub (which needs no fast
    search) answers the same queries with plain substring tests."""
    return bool(session.get_bind().dialect.name == "sqlite")


def _like(column: Any, term: str, *, prefix: bool = False) -> ColumnElement[bool]:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"{escaped}%" if prefix else f"%{escaped}%"
    return func.coalesce(column, "").ilike(pattern, escape="\\")


def _plain_person_condition(term: str) -> ColumnElement[bool]:
    alternatives = [_like(Person.name, term, prefix=True)]
    if _ASCII_WORD.match(term):
        alternatives.append(_like(Person.pinyin_initials, term, prefix=True))
    if len(term) >= 3:
        alternatives += [_like(getattr(Person, c), term) for c in SEARCH_FIELDS["person"]]
    return or_(*alternatives)


def _plain_case_condition(kind: CaseKind, terms: list[str]) -> ColumnElement[bool]:
    """Every term in the record's own text or in one of its live people (no index)."""
    model: Any = Visit if kind == "visit" else Dispute
    link: Any = VisitPerson if kind == "visit" else DisputeParty
    link_case = link.visit_id if kind == "visit" else link.dispute_id
    conds: list[ColumnElement[bool]] = []
    for term in terms:
        own = or_(*[_like(getattr(model, c), term) for c in SEARCH_FIELDS[kind]])
        people = model.id.in_(
            select(link_case)
            .join(Person, Person.id == link.person_id)
            .where(
                _plain_person_condition(term),
                link.deleted_at.is_(None),
                Person.deleted_at.is_(None),
            )
        )
        conds.append(or_(own, people))
    return and_(*conds)


def person_condition(session: Session, term: str) -> tuple[ColumnElement[bool], int] | None:
    """A condition on Person for one term and an estimate of how many people match.

    Letters match pinyin initials by prefix (``zs``: 张三, 赵书…); three or more characters
    match anywhere in name, full pinyin, ID number, phone, address and employer. One or two
    Chinese characters are left to the case's own party names (already in its index)."""
    alternatives: list[ColumnElement[bool]] = []
    estimate = 0
    if _ASCII_WORD.match(term):
        glob = Person.pinyin_initials.op("GLOB")(_glob_prefix(term))
        alternatives.append(glob)
        estimate += int(session.scalar(select(func.count()).where(glob)) or 0)
    if len(term) >= 3:
        expression = _quote(term)
        n = fts_count(session, "person", expression)
        if n:
            estimate += n
            if n <= PERSON_DIRECT_LIMIT:
                alternatives.append(Person.id.in_(_fts_ids("person", expression)))
            else:
                fields = [getattr(Person, c) for c in SEARCH_FIELDS["person"]]
                alternatives.append(_contains(fields, term))
    if not alternatives:
        return None
    return or_(*alternatives), estimate


def _glob_prefix(term: str) -> str:
    escaped = "".join(f"[{c}]" if c in "*?[]" else c for c in term)
    return escaped + "*"


def case_condition(session: Session, kind: CaseKind, text: str) -> ColumnElement[bool] | None:
    """A WHERE condition on Visit / Dispute for the query ``text`` (None: no query).

    The plan adapts to how common each term is (counted in the index first, which is cheap):
    a rare term becomes ``id IN (ids from the index)``; a common one becomes a direct substring
    test on the row, so the list walks its sort index and stops as soon as a page is full."""
    terms = terms_of(text)
    if not terms:
        return None
    if not has_index(session):
        return _plain_case_condition(kind, terms)
    model: Any = Visit if kind == "visit" else Dispute
    if kind == "visit":
        link: Any = VisitPerson
        link_case = VisitPerson.visit_id
    else:
        link = DisputeParty
        link_case = DisputeParty.dispute_id
    fields = [getattr(model, c) for c in SEARCH_FIELDS[kind]]
    conds: list[ColumnElement[bool]] = []
    # Terms that can only match the record's own text are answered together by one MATCH
    # (the index intersects them), the others term by term (record text OR its people).
    text_only: list[tuple[str, str]] = []
    for term in terms:
        expression = fts_expression(session, kind, term)
        people = person_condition(session, term) if _is_ascii(term) or len(term) >= 3 else None
        if people is None:
            if expression is None:
                return false()  # this term matches nothing, so the query matches nothing
            text_only.append((term, expression))
            continue
        alternatives: list[ColumnElement[bool]] = []
        if expression is not None:
            alternatives.append(_text_condition(session, kind, model, fields, [(term, expression)]))
        person_cond, estimate = people
        if estimate <= PERSON_DIRECT_LIMIT:
            alternatives.append(
                model.id.in_(
                    select(link_case)
                    .join(Person, Person.id == link.person_id)
                    .where(person_cond, link.deleted_at.is_(None), Person.deleted_at.is_(None))
                )
            )
        else:
            alternatives.append(
                select(link.id)
                .join(Person, Person.id == link.person_id)
                .where(link_case == model.id, link.deleted_at.is_(None), person_cond)
                .exists()
            )
        conds.append(or_(*alternatives))
    if text_only:
        conds.append(_text_condition(session, kind, model, fields, text_only))
    return and_(*conds)


def _short_docs(kind: CaseKind, term: str, n: int) -> Select[Any]:
    """FTS rowids of the records containing a one- or two-character ``term`` (may repeat)."""
    inst = table(f"fts_{kind}_vocab_inst", column("term"), column("doc")).alias(f"vi{n}")
    return select(inst.c.doc).where(inst.c.term >= term, inst.c.term < term + "\U0010ffff")


def _short_estimate(session: Session, kind: CaseKind, term: str) -> int:
    """At most how many records contain a one- or two-character ``term`` (cheap: the row
    vocabulary's document counts of the trigrams that begin with it, summed)."""
    vocab = table(f"fts_{kind}_vocab", column("term"), column("doc"))
    return int(
        session.scalar(
            select(func.sum(vocab.c.doc)).where(
                vocab.c.term >= term, vocab.c.term < term + "\U0010ffff"
            )
        )
        or 0
    )


def _index_hits(kind: CaseKind, terms: list[tuple[str, str]]) -> Select[Any]:
    """FTS rowids of the records whose index holds every term (term, its MATCH expression):
    longer terms in one MATCH, each short one as the set read off the instance vocabulary."""
    long = [e for t, e in terms if len(t) >= 3]
    short = [t for t, _ in terms if len(t) < 3]
    if long:
        fts = table(f"fts_{kind}", column("rowid"), column("body"))
        q = select(fts.c.rowid).where(fts.c.body.op("MATCH")(" AND ".join(f"({e})" for e in long)))
        # "rowid + 0": filter the MATCH's hits; a bare rowid IN (…) would make FTS5 re-run the
        # MATCH once per listed rowid (~50 ms instead of ~3 ms for 张 + 宅基地)
        rowid = fts.c.rowid + 0
        return q.where(*[rowid.in_(_short_docs(kind, t, i)) for i, t in enumerate(short)])
    first = _short_docs(kind, short[0], 0)
    doc = first.selected_columns[0]
    rest = [doc.in_(_short_docs(kind, t, i)) for i, t in enumerate(short[1:], 1)]
    return first.where(*rest).distinct()


def _text_condition(
    session: Session, kind: CaseKind, model: Any, fields: list[Any], terms: list[tuple[str, str]]
) -> ColumnElement[bool]:
    """Records whose own text contains every term (term, its MATCH expression)."""
    scanned: list[ColumnElement[bool]] = []
    indexed: list[tuple[str, str]] = []
    for t, e in terms:
        if len(t) < 3 and _short_estimate(session, kind, t) > 2 * DIRECT_LIMIT:
            scanned.append(_contains(fields, t))  # in very many records: test them row by row
        else:
            indexed.append((t, e))
    if indexed:
        hits = _index_hits(kind, indexed)
        n = int(session.scalar(select(func.count()).select_from(hits.subquery())) or 0)
        if n == 0:
            return false()
        # with a common term to test as well, the conjunction is rarer than the indexed part
        # alone: looking up more hits beats walking the whole list
        if n <= (DIRECT_LIMIT * 6 if scanned else DIRECT_LIMIT):
            key = table(f"fts_{kind}_key", column("k"), column("id", String))
            found: ColumnElement[bool] = model.id.in_(select(key.c.id).where(key.c.k.in_(hits)))
            return and_(found, *scanned)
        scanned += [_contains(fields, t) for t, _ in indexed]
    return and_(*scanned)


@dataclass(frozen=True)
class PersonHit:
    id: str
    name: str
    gender: str
    birth_year: int | None
    id_number: str | None  # full; the caller masks it unless the role may see it
    phone: str
    address: str
    origin: str


def find_persons(session: Session, text: str, limit: int = 20) -> list[PersonHit]:
    """People for autocomplete: name prefix, pinyin initials, and (three characters or more)
    anywhere in their details; exact name / ID number / phone first."""
    terms = terms_of(text)
    if not terms:
        return []
    conds: list[ColumnElement[bool]] = []
    for term in terms:
        if not has_index(session):
            conds.append(_plain_person_condition(term))
            continue
        alternatives: list[ColumnElement[bool]] = [Person.name.op("GLOB")(_glob_prefix(term))]
        people = person_condition(session, term)
        if people is not None:
            alternatives.append(people[0])
        conds.append(or_(*alternatives))
    term0 = terms[0]
    first = (Person.id_number == term0.upper()) | (Person.phone == term0) | (Person.name == term0)
    rows = session.scalars(
        select(Person)
        .where(*conds, Person.deleted_at.is_(None))
        .order_by(first.desc(), Person.name, Person.updated_at.desc())
        .limit(limit)
    ).all()
    return [
        PersonHit(
            id=p.id,
            name=p.name,
            gender=p.gender,
            birth_year=p.birth_date.year if p.birth_date else None,
            id_number=p.id_number,
            phone=p.phone,
            address=p.address,
            origin=p.origin,
        )
        for p in rows
    ]


# The indexed fields per table; the same list as in revision 0002 (a test keeps them equal).
SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "visit": (
        "case_code",
        "party_names",
        "subject",
        "request",
        "facts",
        "place",
        "involved_unit",
        "accused_unit",
        "handler_unit",
        "reply_content",
    ),
    "dispute": (
        "case_code",
        "mediation_no",
        "title",
        "party_names",
        "summary",
        "requests",
        "place",
        "mediator_name",
        "transferred_to",
    ),
    "person": (
        "name",
        "pinyin_full",
        "pinyin_initials",
        "id_number",
        "phone",
        "address",
        "employer",
    ),
}


def rebuild_index(session: Session) -> None:
    """Rebuild every search table from the ledger (after a manual repair); call in a write."""
    for name, fields in SEARCH_FIELDS.items():
        body = " || char(10) || ".join(f"coalesce(t.{c}, '')" for c in fields)
        body += " || char(10) || char(10)"
        session.execute(sql_text(f"DELETE FROM fts_{name}"))
        session.execute(
            sql_text(
                f"INSERT OR IGNORE INTO fts_{name}_key (id) SELECT id FROM {name} ORDER BY rowid"
            )
        )
        session.execute(
            sql_text(
                f"INSERT INTO fts_{name} (rowid, body) SELECT k.k, {body} "
                f"FROM {name} t JOIN fts_{name}_key k ON k.id = t.id"
            )
        )
