"""Station initialisation, code tables (versioned), settings, operators and login lockout."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import open_database
from app.models import CodeItem, CodeTable, LocalState, Operator
from app.rules.errors import AppError, ValidationError
from app.services import codes as codes_service
from app.services.codes import CodeBook, add_local_code, seed_code_tables
from app.services.operators import LoginError, OperatorInput, authenticate, create_operator, unlock
from app.services.stations import StationInput, init_station, station_summary
from tests.conftest import VILLAGE


def test_init_creates_station_admin_system_and_codes(village_db) -> None:
    summary = station_summary(village_db)
    assert summary["code"] == "110105001001" and summary["level"] == "village"
    with village_db.session() as s:
        assert s.get(LocalState, 1).epoch == 1
        users = {o.username: o.role for o in s.scalars(select(Operator))}
        assert users == {"admin": "station_admin", "system": "system"}
        book = CodeBook(s)
        assert len(book.items("dispute_category")) == 15
        assert book.version("dispute_category") == 1
        assert [c.label for c in book.items("case_source")][:2] == ["当事人申请", "调委会主动调解"]


@pytest.mark.parametrize(
    ("over", "fragment"),
    [
        ({"code": "11010500100"}, "「区划代码」"),
        ({"code": "110105001000"}, "后3位不能是000"),
        ({"name": ""}, "「站点名称」不能为空"),
        ({"parent_code": "110105002000"}, "「上级代码」"),
        ({"admin_password": "123"}, "「管理员密码」至少6位"),
        ({"level": "city"}, "「层级」"),
    ],
)
def test_init_validation_writes_nothing(tmp_path: Path, over, fragment) -> None:
    db = open_database(tmp_path / "x.sqlite3")
    data = StationInput(**{**VILLAGE.__dict__, **over})
    with pytest.raises(ValidationError, match=fragment):
        init_station(db, data)
    with db.session() as s:
        assert s.get(LocalState, 1) is None
    db.close()


def test_init_twice_is_refused(village_db) -> None:
    with pytest.raises(AppError, match="已初始化"):
        init_station(village_db, VILLAGE)


def test_code_table_upgrade_keeps_local_items_and_retires_removed(
    ctx, tmp_path, monkeypatch
) -> None:
    add_local_code(ctx, "dispute_category", "tourism", "旅游")
    shipped = dict(codes_service.shipped_tables())
    old = shipped["dispute_category"]
    items = (*tuple(i for i in old.items if i[0] != "consumer"), ("internet", "互联网", ()))
    shipped["dispute_category"] = codes_service.ShippedTable(old.name, old.title, 2, items)
    monkeypatch.setattr(codes_service, "shipped_tables", lambda: shipped)
    with ctx.write() as s:
        assert seed_code_tables(s) == ["dispute_category"]
        assert seed_code_tables(s) == []  # idempotent
    book = CodeBook(ctx.session)
    labels = {c.label: c.active for c in book.items("dispute_category", include_inactive=True)}
    assert labels["互联网"] and labels["旅游"] and not labels["消费"]
    assert ctx.session.get(CodeTable, "dispute_category").version == 2
    # a record may still carry the retired code and shows its label
    assert book.label("dispute_category", "consumer") == "消费"


def test_code_matching_is_loose_but_not_guessing(ctx) -> None:
    book = CodeBook(ctx.session)
    assert book.match("dispute_category", "婚姻家庭纠纷") == "marriage_family"
    assert book.match("dispute_category", "婚姻") == "marriage_family"
    assert book.match("dispute_category", "其它") == "other"
    assert book.match("dispute_category", "房屋宅基地纠纷") == "housing_homestead"
    assert book.match("dispute_category", "火星") is None
    with pytest.raises(ValidationError, match="可选：婚姻家庭、邻里"):
        book.resolve("dispute_category", "火星", "category", "纠纷类别")


def test_local_code_validation(ctx) -> None:
    with pytest.raises(ValidationError, match="已存在"):
        add_local_code(ctx, "dispute_category", "x1", "邻里")
    with pytest.raises(ValidationError, match="不存在"):
        add_local_code(ctx, "nope", "x", "y")


def test_shipped_code_files_are_well_formed() -> None:
    root = Path(__file__).resolve().parents[2] / "resources" / "codes"
    for path in root.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        codes = [i["code"] for i in data["items"]]
        assert len(codes) == len(set(codes)), path.name
        assert data["version"] >= 1


def test_login_lockout_and_unlock(ctx, village_db) -> None:
    create_operator(ctx, OperatorInput("clerk1", "赵琳", "clerk", "pass123"))
    now = ctx.now()
    assert authenticate(village_db, "clerk1", "pass123", now=now).username == "clerk1"
    for left in (4, 3, 2, 1):
        with pytest.raises(LoginError, match=f"还可尝试{left}次"):
            authenticate(village_db, "clerk1", "wrong", now=now)
    with pytest.raises(LoginError, match="已锁定15分钟"):
        authenticate(village_db, "clerk1", "wrong", now=now)
    with pytest.raises(LoginError, match="分钟后再试"):
        authenticate(village_db, "clerk1", "pass123", now=now + timedelta(minutes=5))
    assert authenticate(village_db, "clerk1", "pass123", now=now + timedelta(minutes=16))
    for _ in range(5):
        with pytest.raises(LoginError):
            authenticate(village_db, "clerk1", "wrong", now=now)
    unlock(ctx, "clerk1")
    assert authenticate(village_db, "clerk1", "pass123", now=now)


def test_unknown_user_and_system_user_cannot_log_in(village_db) -> None:
    with pytest.raises(LoginError, match="用户名或密码不正确"):
        authenticate(village_db, "nobody", "x")
    with pytest.raises(LoginError, match="用户名或密码不正确"):
        authenticate(village_db, "system", "")


def test_operator_validation(ctx) -> None:
    with pytest.raises(ValidationError, match="「用户名」"):
        create_operator(ctx, OperatorInput("bad name!", "x", "clerk", "pass123"))
    with pytest.raises(ValidationError, match="「角色」"):
        create_operator(ctx, OperatorInput("u1", "x", "boss", "pass123"))
    with pytest.raises(ValidationError, match="不能设乡镇角色"):
        create_operator(ctx, OperatorInput("u1", "x", "township_officer", "pass123"))
    with pytest.raises(ValidationError, match="「密码」至少6位"):
        create_operator(ctx, OperatorInput("u1", "x", "clerk", "12"))
    create_operator(ctx, OperatorInput("u1", "x", "clerk", "pass123"))
    with pytest.raises(ValidationError, match="已存在"):
        create_operator(ctx, OperatorInput("u1", "y", "clerk", "pass123"))
    with ctx.session.begin():
        assert ctx.session.scalars(select(CodeItem)).first() is not None
