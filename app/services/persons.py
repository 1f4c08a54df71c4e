"""Persons: validation, reuse of a known person (by ID number, else name + phone), lookup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Dispute, DisputeParty, Person, Visit, VisitPerson
from app.rules.dates import check_plausible, parse_date
from app.rules.errors import Problems, ValidationError
from app.rules.idcard import validate_id_number
from app.rules.phone import validate_phone
from app.rules.pinyin import name_keys
from app.rules.printable import check_printable
from app.rules.text import clean

from .codes import CodeBook
from .context import Ctx


@dataclass
class PersonInput:
    name: str = ""
    id_number: str = ""
    phone: str = ""
    gender: str = ""
    ethnicity: str = ""
    birth_date: str | date | None = None
    address: str = ""
    occupation: str = ""
    employer: str = ""
    person_id: str | None = None  # reuse this known person
    convert_15: bool = False  # accept a legacy 15-digit ID number and convert it


@dataclass
class CleanPerson:
    name: str
    id_number: str | None
    phone: str
    gender: str
    ethnicity: str
    birth_date: date | None
    address: str
    occupation: str
    employer: str
    person_id: str | None
    warnings: list[str] = field(default_factory=list)


def validate_person(
    data: PersonInput,
    *,
    codes: CodeBook,
    today: date,
    field_prefix: str,
    label_prefix: str,
    require_contact: bool = False,
) -> CleanPerson:
    """Check one person's fields; raise a ValidationError naming every bad field."""
    problems = Problems()

    def add(fld: str, label: str, problem: str, fix: str = "") -> None:
        problems.add(f"{field_prefix}.{fld}", f"{label_prefix}{label}", problem, fix)

    name = clean(data.name)
    if not name:
        add("name", "姓名", "不能为空", "请填写姓名（单位请填写单位全称）")
    elif len(name) > 60:
        add("name", "姓名", "过长", "不超过60个字")
    id_number: str | None = None
    gender = clean(data.gender)
    birth: date | None = None
    if clean(data.id_number):
        try:
            info = validate_id_number(data.id_number, today=today, allow_15=data.convert_15)
            id_number = info.number
            if gender and gender != info.sex:
                add(
                    "gender",
                    "性别",
                    f"“{gender}”与身份证号（{info.sex}）不符",
                    "请核对性别或身份证号",
                )
            gender = info.sex
            birth = info.birth_date
        except ValidationError as e:
            problems.extend(e, field_prefix, label_prefix)
    if gender and gender not in ("男", "女"):
        add("gender", "性别", f"“{gender}”无效", "请填写“男”或“女”")
    if birth is None and data.birth_date not in (None, ""):
        try:
            birth = parse_date(data.birth_date, "birth_date", "出生日期")
            check_plausible(birth, "birth_date", "出生日期", today=today)
        except ValidationError as e:
            problems.extend(e, field_prefix, label_prefix)
            birth = None
    phone = ""
    if clean(data.phone):
        try:
            phone = validate_phone(data.phone)
        except ValidationError as e:
            problems.extend(e, field_prefix, label_prefix)
    ethnicity = clean(data.ethnicity)
    if ethnicity:
        code = codes.match("ethnicity", ethnicity)
        if code is None:
            add("ethnicity", "民族", f"“{ethnicity}”不是规范的民族名称", "如“汉族”“苗族”")
        else:
            ethnicity = codes.label("ethnicity", code)
    address = clean(data.address)
    if require_contact and name and not phone and not address:
        add("phone", "联系电话", "和住址至少填写一项", "以便答复和回访")
    for fld, label, value in (
        ("name", "姓名", name),
        ("address", "住址", address),
        ("occupation", "职业", data.occupation),
        ("employer", "工作单位", data.employer),
    ):
        check_printable(problems, f"{field_prefix}.{fld}", f"{label_prefix}{label}", value)
    problems.raise_if_any()
    return CleanPerson(
        name=name,
        id_number=id_number,
        phone=phone,
        gender=gender,
        ethnicity=ethnicity,
        birth_date=birth,
        address=address,
        occupation=clean(data.occupation),
        employer=clean(data.employer),
        person_id=data.person_id or None,
    )


def find_match(session: Session, p: CleanPerson, station_code: str) -> Person | None:
    """A known person for these details: the given id, else same ID number, else same
    name and phone (without conflicting ID numbers)."""
    if p.person_id:
        person = session.get(Person, p.person_id)
        if person is None or person.deleted_at is not None:
            raise ValidationError.single(
                "person_id", "当事人", "所选人员不存在或已作废", "请重新选择或新建"
            )
        return person
    live = Person.deleted_at.is_(None)
    if p.id_number:
        hit = session.scalars(
            select(Person)
            .where(Person.id_number == p.id_number, live)
            .order_by((Person.origin == station_code).desc(), Person.created_at)
        ).first()
        if hit is not None:
            return hit
    if p.phone:
        cands = session.scalars(
            select(Person).where(Person.name == p.name, Person.phone == p.phone, live)
        ).all()
        for c in cands:
            if not (p.id_number and c.id_number and c.id_number != p.id_number):
                return c
    return None


def upsert_person(ctx: Ctx, p: CleanPerson) -> Person:
    """Reuse (and refresh) a matched person owned here, or create a new one."""
    s = ctx.session
    person = find_match(s, p, ctx.station_code)
    if person is not None:
        if person.origin == ctx.station_code:
            _refresh(person, p)
        return person
    full, initials = name_keys(p.name)
    person = Person(
        name=p.name,
        id_number=p.id_number,
        phone=p.phone,
        gender=p.gender,
        ethnicity=p.ethnicity,
        birth_date=p.birth_date,
        address=p.address,
        occupation=p.occupation,
        employer=p.employer,
        pinyin_full=full,
        pinyin_initials=initials,
    )
    s.add(person)
    s.flush()
    return person


def _refresh(person: Person, p: CleanPerson) -> None:
    """Fill blanks and take newer contact details; never blank out known data."""
    if p.name and p.name != person.name and not person.id_number:
        person.name = p.name
        person.pinyin_full, person.pinyin_initials = name_keys(p.name)
    for attr in ("id_number", "gender", "ethnicity", "birth_date", "occupation", "employer"):
        new = getattr(p, attr)
        if new and not getattr(person, attr):
            setattr(person, attr, new)
    for attr in ("phone", "address"):
        new = getattr(p, attr)
        if new and new != getattr(person, attr):
            setattr(person, attr, new)


def search_persons(session: Session, text: str, limit: int = 20) -> list[Person]:
    """Autocomplete: name prefix, pinyin initials/full prefix, ID number or phone prefix."""
    text = clean(text)
    if not text:
        return []
    live = Person.deleted_at.is_(None)
    conds = [Person.name.startswith(text, autoescape=True)]
    low = text.lower()
    if low.isascii() and low.isalpha():
        conds += [
            Person.pinyin_initials.startswith(low, autoescape=True),
            Person.pinyin_full.startswith(low, autoescape=True),
        ]
    if text[:1].isdigit():
        conds += [
            Person.id_number.startswith(text.upper(), autoescape=True),
            Person.phone.startswith(text, autoescape=True),
        ]
    return list(
        session.scalars(select(Person).where(live, or_(*conds)).order_by(Person.name).limit(limit))
    )


@dataclass(frozen=True)
class PersonCase:
    case_type: str
    case_id: str
    case_code: str
    day: date
    title: str
    status: str
    role: str


def person_history(session: Session, person_id: str) -> list[PersonCase]:
    """Earlier visits and disputes of a person, newest first (shown when reusing a person)."""
    rows: list[PersonCase] = []
    for v, vp in session.execute(
        select(Visit, VisitPerson)
        .join(VisitPerson, VisitPerson.visit_id == Visit.id)
        .where(
            VisitPerson.person_id == person_id,
            Visit.deleted_at.is_(None),
            VisitPerson.deleted_at.is_(None),
        )
    ).all():
        rows.append(
            PersonCase("visit", v.id, v.case_code, v.received_on, v.subject, v.status, vp.role)
        )
    for d, dp in session.execute(
        select(Dispute, DisputeParty)
        .join(DisputeParty, DisputeParty.dispute_id == Dispute.id)
        .where(
            DisputeParty.person_id == person_id,
            Dispute.deleted_at.is_(None),
            DisputeParty.deleted_at.is_(None),
        )
    ).all():
        rows.append(
            PersonCase("dispute", d.id, d.case_code, d.registered_on, d.title, d.status, dp.role)
        )
    rows.sort(key=lambda r: (r.day, r.case_code), reverse=True)
    return rows
