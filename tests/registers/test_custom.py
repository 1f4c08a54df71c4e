"""A station's own register, end to end; local fields on presets; preset upgrades; a township
reading a village's local types through synced rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select

from app.models import RegisterField, RegisterRecord, RegisterType
from app.rules.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError
from app.services import registers as reg
from app.services.context import open_ctx
from app.services.operators import OperatorInput, create_operator
from tests.ledger_helpers import ledger_snapshot


def _duty_register(ctx) -> reg.RegisterTypeInfo:
    info = reg.add_type(
        ctx, reg.TypeInput(name="值班记录", period="daily", description="24小时值班")
    )
    reg.add_field(ctx, info.id, reg.FieldInput(label="值班日期", type="date", required=True))
    reg.add_field(
        ctx, info.id, reg.FieldInput(label="值班人员", type="person", required=True, multiple=True)
    )
    reg.add_field(
        ctx, info.id, reg.FieldInput(label="天气", type="choice", choices=["晴", "阴", "雨"])
    )
    reg.add_field(
        ctx, info.id, reg.FieldInput(label="接警次数", type="number", min=0, max=500, unit="次")
    )
    reg.add_field(ctx, info.id, reg.FieldInput(label="值班情况", type="long_text", required=True))
    reg.add_field(ctx, info.id, reg.FieldInput(label="交班时间", type="datetime"))
    return reg.get_type(ctx, info.id)


def test_custom_register_end_to_end(ctx, village_db) -> None:
    info = _duty_register(ctx)
    assert info.key == "zhi_ban_ji_lu" and info.period == "daily" and not info.is_preset
    assert [f.label for f in info.fields] == [
        "值班日期",
        "值班人员",
        "天气",
        "接警次数",
        "值班情况",
        "交班时间",
    ]
    assert info.field("zhi_ban_ri_qi").index_as == "date"  # the first date feeds the record date
    assert all(f.is_local for f in info.fields)
    assert reg.get_type(ctx, "值班记录").id == info.id
    # validation by type, every problem named, nothing written
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError) as exc:
        reg.add_record(
            ctx,
            "值班记录",
            {"值班日期": "2026-03-40", "天气": "雪", "接警次数": "-1", "交班时间": "明早"},
        )
    text = str(exc.value)
    for fragment in (
        "「值班日期」“2026-03-40”不是存在的日期",
        "「值班人员」不能为空",
        "「天气」“雪”不是可选项，可选：晴、阴、雨",
        "「接警次数」不能小于0",
        "「值班情况」不能为空",
        "「交班时间」",
    ):
        assert fragment in text
    assert ledger_snapshot(village_db) == before
    row = reg.add_record(
        ctx,
        info.id,
        {
            "值班日期": "2026年3月15日",
            "值班人员": "王芳，赵建国",
            "天气": "晴",
            "接警次数": "3次",
            "值班情况": "夜间巡逻两次，无异常。",
            "交班时间": "2026-03-16 08:30",
        },
    ).record
    assert row.values["zhi_ban_ri_qi"] == "2026-03-15"
    assert row.display["zhi_ban_ren_yuan"] == "王芳、赵建国"
    assert row.values["jie_jing_ci_shu"] == 3 and row.display["jie_jing_ci_shu"] == "3次"
    assert row.display["jiao_ban_shi_jian"] == "2026-03-16 08:30"
    rec = ctx.session.get(RegisterRecord, row.record_id)
    assert rec.period_key == "2026-03-15" and rec.record_date == date(2026, 3, 15)
    assert rec.title == "王芳、赵建国"
    # list, search, print
    assert reg.list_records(ctx, info.id, reg.RecordFilter(text="巡逻")).total == 1
    out = reg.printout(ctx, info.id, date(2026, 3, 15), date(2026, 3, 15))
    assert out.title == "柳树村综治中心值班记录"
    assert out.subtitle.startswith("2026年3月15日")
    assert [c.label for c in out.columns] == [
        "序号",
        "值班日期",
        "值班人员",
        "天气",
        "接警次数",
        "值班情况",
        "交班时间",
    ]
    assert out.rows == [
        [
            "1",
            "2026-03-15",
            "王芳、赵建国",
            "晴",
            "3次",
            "夜间巡逻两次，无异常。",
            "2026-03-16 08:30",
        ]
    ]
    # a field added later applies to new records at once; a retired field keeps its values
    added = reg.add_field(
        ctx, info.id, reg.FieldInput(label="带班领导", type="person", required=True)
    )
    with pytest.raises(ValidationError, match="「带班领导」不能为空"):
        reg.add_record(
            ctx, info.id, {"值班日期": "2026-03-16", "值班人员": "王芳", "值班情况": "无"}
        )
    reg.set_field_active(ctx, added.id, False)
    weather = next(f for f in reg.get_type(ctx, info.id).fields if f.label == "天气")
    reg.set_field_active(ctx, weather.id, False)
    assert "天气" not in [f.label for f in reg.get_type(ctx, info.id).active_fields]
    assert reg.get_record(ctx, row.id).values["tian_qi"] == "晴"
    # a field's type cannot change once records use it
    people = next(f for f in reg.get_type(ctx, info.id).fields if f.label == "值班人员")
    with pytest.raises(ValidationError, match="不能改类型"):
        reg.update_field(ctx, people.id, reg.FieldInput(label="值班人员", type="text"))
    renamed = reg.update_field(
        ctx, people.id, reg.FieldInput(label="值班人", type="person", required=True, multiple=True)
    )
    assert renamed.label == "值班人"
    # order
    moved = reg.move_field(ctx, people.id, -1)
    assert [f.label for f in moved.fields][:2] == ["值班人", "值班日期"]
    # retire the register
    reg.set_type_active(ctx, info.id, False)
    assert "值班记录" not in [i.name for i in reg.list_types(ctx)]
    with pytest.raises(WorkflowError, match="已停用"):
        reg.add_record(ctx, info.id, {})


def test_type_and_field_definitions_are_validated(ctx, village_db, clock) -> None:
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError, match="「台账名称」“工作记录簿”已存在"):
        reg.add_type(ctx, reg.TypeInput(name="工作记录簿"))
    with pytest.raises(ValidationError, match="「登记周期」"):
        reg.add_type(ctx, reg.TypeInput(name="巡逻记录", period="weekly"))
    with pytest.raises(ValidationError, match="「台账名称」不能为空"):
        reg.add_type(ctx, reg.TypeInput(name=" "))
    with pytest.raises(ValidationError, match="「可选项」不能为空"):
        reg.add_field(ctx, "work_log", reg.FieldInput(label="天气", type="choice"))
    with pytest.raises(ValidationError, match="「代码表」“no_such”不存在"):
        reg.add_field(
            ctx, "work_log", reg.FieldInput(label="天气", type="choice", code_table="no_such")
        )
    with pytest.raises(ValidationError, match="「栏目名称」“工作内容”已存在"):
        reg.add_field(ctx, "work_log", reg.FieldInput(label="工作内容", type="text"))
    with pytest.raises(ValidationError, match="「栏目类型」“table”无效"):
        reg.add_field(ctx, "work_log", reg.FieldInput(label="明细", type="table"))
    with pytest.raises(WorkflowError, match="不能添加栏目"):
        reg.add_field(ctx, "dispute_register", reg.FieldInput(label="备注", type="text"))
    assert ledger_snapshot(village_db) == before
    create_operator(ctx, OperatorInput("med1", "赵建国", "mediator", "med12345"))
    mediator = open_ctx(village_db, "med1", clock=clock)
    try:
        with pytest.raises(PermissionDenied):
            reg.add_field(mediator, "work_log", reg.FieldInput(label="天气", type="text"))
    finally:
        mediator.close()


def test_local_field_on_a_preset(ctx) -> None:
    f = reg.add_field(
        ctx,
        "work_log",
        reg.FieldInput(label="天气", type="choice", code_table="", choices=["晴", "雨"]),
    )
    info = reg.get_type(ctx, "work_log")
    assert f.is_local and f.key == "tian_qi"
    assert [c.key for c in info.print_columns()][-1] == "tian_qi"  # appended to the printout
    row = reg.add_record(
        ctx,
        "work_log",
        {
            "日期": "2026-03-16",
            "记录人": "王芳",
            "工作类别": "日常工作",
            "工作内容": "值守",
            "天气": "雨",
        },
    ).record
    assert row.display["tian_qi"] == "雨"
    # preset fields cannot be retired, only hidden from the list
    preset_field = info.field("category")
    with pytest.raises(WorkflowError):
        reg.set_field_active(ctx, preset_field.id, False)
    hidden = reg.update_field(ctx, preset_field.id, reg.FieldInput(label="x", show_in_list=False))
    assert not hidden.show_in_list and hidden.label == "工作类别"


def test_preset_upgrade_adds_fields_and_keeps_local_ones(ctx, monkeypatch) -> None:
    reg.add_field(ctx, "work_log", reg.FieldInput(label="天气", type="text"))
    reg.update_type(
        ctx, reg.get_type(ctx, "work_log").id, reg.TypeInput(name="工作日志", period="monthly")
    )
    shipped = dict(reg.shipped_presets())
    old = shipped["work_log"]
    fields = [*old.fields, {"key": "place", "label": "地点", "type": "text"}]
    fields = [f for f in fields if f["key"] != "attachments"]
    shipped["work_log"] = reg.ShippedPreset(
        key=old.key,
        version=old.version + 1,
        name=old.name,
        sort=old.sort,
        period=old.period,
        source=old.source,
        description="新版说明",
        fields=tuple(fields),
        print_layout=old.print_layout,
    )
    monkeypatch.setattr(reg, "shipped_presets", lambda: shipped)
    with ctx.write() as s:
        assert reg.seed_register_presets(s) == ["work_log"]
    info = reg.get_type(ctx, "work_log")
    assert info.name == "工作日志"  # the station's own name is kept
    assert info.description == "新版说明"
    labels = [f.label for f in info.active_fields]
    assert "地点" in labels and "天气" in labels and "附件" not in labels
    assert info.field("attachments").active is False  # retired, not deleted
    with ctx.write() as s:
        assert reg.seed_register_presets(s) == []


def test_township_reads_a_village_local_type(ctx, township_db, clock) -> None:
    """Register types, fields and records are synced rows: copied as they are (as the sync
    importer does, Core inserts keep origin and rev), the township lists the village's local
    register with its own fields, read-only."""
    info = _duty_register(ctx)
    reg.add_record(
        ctx,
        info.id,
        {"值班日期": "2026-03-15", "值班人员": "王芳", "值班情况": "无异常", "天气": "阴"},
    )
    rows = {}
    for model in (RegisterType, RegisterField, RegisterRecord):
        rows[model] = [
            {c.key: getattr(o, c.key) for c in model.__table__.columns}
            for o in ctx.session.scalars(select(model).where(model.origin == ctx.station_code))
        ]
    with township_db.transaction() as s:
        for model in (RegisterType, RegisterField, RegisterRecord):
            s.execute(insert(model), rows[model])
    town = open_ctx(township_db, "admin", clock=clock)
    try:
        types = reg.list_types(town)
        village_types = [t for t in types if not t.is_own]
        duty = next(t for t in village_types if t.name == "值班记录")
        assert duty.station_name == duty.origin == "110105001001"  # not paired yet: code shown
        assert [f.label for f in duty.fields][:3] == ["值班日期", "值班人员", "天气"]
        assert len([t for t in types if t.is_own]) == 10  # the township's own presets
        page = reg.list_records(town, duty.id)
        assert page.total == 1 and page.rows[0].display["tian_qi"] == "阴"
        assert not page.rows[0].editable and not duty.can_add
        with pytest.raises(ConflictError, match="只能由该单位登记"):
            reg.add_record(town, duty.id, {"值班日期": "2026-03-16"})
        with pytest.raises(ConflictError):
            reg.add_field(town, duty.id, reg.FieldInput(label="备注", type="text"))
    finally:
        town.close()
