"""The ten presets: each one's records are created, edited, and bad values are refused naming
the field, with nothing written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.models import RegisterAttachment, RegisterField, RegisterRecord, RegisterType
from app.rules.errors import PermissionDenied, ValidationError, WorkflowError
from app.rules.registers import MAX_ATTACHMENT_BYTES, NewFile
from app.services import registers as reg
from app.services.context import open_ctx
from app.services.operators import OperatorInput, create_operator
from tests.ledger_helpers import ledger_snapshot

from .conftest import png_bytes

TEN = [
    "工作记录簿",
    "综治维稳工作责任书",
    "宣传栏",
    "治安中心户长及联防队伍花名册",
    "矛盾纠纷排查调处情况登记表",
    "突发性群体性事件处置预案",
    "群众来信来访件转办通知",
    "社会治安形势和矛盾纠纷排查分析会议纪要",
    "月通报",
    "综治维稳工作信息",
]

# per preset: a valid record, an edit, and bad values → (field key, message fragment)
CASES: dict[str, dict[str, Any]] = {
    "work_log": {
        "good": {
            "日期": "2026-03-12",
            "记录人": "王芳",
            "工作类别": "矛盾纠纷排查",
            "工作内容": "到三组走访，排查出宅基地纠纷1起，已登记。",
        },
        "edit": {"工作内容": "到三组、四组走访，排查出宅基地纠纷2起。"},
        "bad": [
            ({"日期": "2026-04-01"}, "date", "「日期」2026-04-01 晚于今天"),
            ({"日期": "2026-02-30"}, "date", "「日期」“2026-02-30”不是存在的日期"),
            ({"工作类别": "吃饭"}, "category", "「工作类别」“吃饭”不是可选项"),
            ({"工作内容": "  "}, "content", "「工作内容」不能为空"),
            ({"工作内容": "字" * 3001}, "content", "「工作内容」不超过3000个字"),
        ],
    },
    "responsibility": {
        "good": {
            "年度": "2026",
            "责任书名称": "2026年度综治维稳工作目标管理责任书",
            "甲方（发包单位）": "东风镇人民政府",
            "乙方（责任单位/责任人）": "柳树村村民委员会",
            "责任内容": "一、目标任务……\n二、考核办法……",
            "责任期限": "2026-01-01 至 2026-12-31",
            "签订日期": "2026-01-15",
            "责任书扫描件": [NewFile("责任书.pdf", b"%PDF-1.4 scanned", "application/pdf")],
        },
        "edit": {"乙方（责任单位/责任人）": "柳树村党支部、村民委员会"},
        "bad": [
            ({"年度": "1800"}, "year", "「年度」不能小于2000"),
            ({"年度": "二〇二六"}, "year", "「年度」“二〇二六”不是数字"),
            (
                {"责任期限": "2026-12-31 至 2026-01-01"},
                "term",
                "「责任期限」结束日期（2026-01-01）早于开始日期（2026-12-31）",
            ),
            ({"责任期限": "2026-01-01"}, "term", "「责任期限」缺少结束日期"),
            (
                {"责任书扫描件": [NewFile("病毒.exe", b"MZ", "")]},
                "attachments",
                "「责任书扫描件」不能上传程序或脚本文件",
            ),
        ],
    },
    "publicity": {
        "good": {
            "张贴日期": "2026-03-01",
            "撤换日期": "2026-03-31",
            "宣传主题": "防范电信网络诈骗",
            "主要内容": "典型案例、“五个凡是”防骗口诀、反诈APP安装指引",
            "照片": [NewFile("宣传栏.png", png_bytes(), "image/png")],
        },
        "edit": {"宣传主题": "防范电信网络诈骗（第二期）"},
        "bad": [
            ({"撤换日期": "2026-02-20"}, "removed_on", "「撤换日期」早于张贴日期"),
            (
                {"照片": [NewFile("通知.pdf", b"%PDF", "")]},
                "photo",
                "「照片」“通知.pdf”的文件类型不符",
            ),
            ({"宣传主题": ""}, "theme", "「宣传主题」不能为空"),
        ],
    },
    "roster": {
        "good": {
            "姓名": "赵建国",
            "角色": "网格员",
            "网格/小组": "第三网格",
            "联系电话": "138 0013 8000",
            "身份证号": "11010519491231002x",
            "任职期间": "2025-01-01起",
            "特长技能": "调解、急救",
        },
        "edit": {"角色": "治安中心户长"},
        "bad": [
            (
                {"联系电话": "1380013800"},
                "phone",
                "「联系电话」手机号“1380013800”应为以1开头的11位数字",
            ),
            ({"身份证号": "110105194912310021"}, "id_number", "「身份证号」校验位不正确"),
            ({"角色": "队长"}, "role", "「角色」“队长”不是可选项，可选：治安中心户长、楼幢长"),
            ({"任职期间": ""}, "service", "「任职期间」不能为空"),
        ],
    },
    "emergency_plan": {
        "good": {
            "预案名称": "柳树村突发性群体性事件处置预案",
            "版本": "2026年修订版",
            "施行日期": "2026-04-01",
            "状态": "现行有效",
            "主要内容": "一、组织指挥体系\n二、预警和报告\n三、处置程序\n四、保障措施",
            "应急联系人": [
                {
                    "姓名": "刘志强",
                    "职务/职责": "总指挥（村党支部书记）",
                    "联系电话": "13900139000",
                },
                {"name": "陈秀英", "duty": "联络员", "phone": "0571-88886666"},
            ],
            "演练记录": [
                {
                    "演练日期": "2026-03-05",
                    "地点": "村委会广场",
                    "参加人员": "刘志强、陈秀英、应急队员",
                    "人数": "25人",
                }
            ],
        },
        "edit": {"状态": "已修订"},
        "bad": [
            (
                {"应急联系人": [{"姓名": "刘志强", "职务/职责": "总指挥"}]},
                "contacts[0].phone",
                "「应急联系人第1行的联系电话」不能为空",
            ),
            ({"应急联系人": []}, "contacts", "「应急联系人」不能为空"),
            (
                {"演练记录": [{"演练日期": "2026-03-05", "人数": "很多"}]},
                "drills[0].participants",
                "「演练记录第1行的参加人员」不能为空",
            ),
        ],
    },
    "meeting_minutes": {
        "good": {
            "会议日期": "2026-03-05",
            "会议类型": "分析会",
            "主持人": "刘志强",
            "记录人": "王芳",
            "参会人员": "刘志强、王芳、赵建国、各组组长",
            "会议议题": "分析一季度社会治安形势，排查矛盾纠纷",
            "议定事项": [
                {"事项": "化解三组宅基地纠纷", "责任人": "赵建国", "完成期限": "2026-03-20"},
                {"事项": "更新反诈宣传栏", "责任人": "王芳", "完成期限": "2026-04-30"},
            ],
        },
        "edit": {"地点": "村委会二楼会议室"},
        "bad": [
            (
                {"议定事项": [{"事项": "化解纠纷", "责任人": "赵建国"}]},
                "decisions[0].due_on",
                "「议定事项第1行的完成期限」不能为空",
            ),
            ({"参会人员": ""}, "attendees", "「参会人员」不能为空"),
            ({"会议类型": "茶话会"}, "meeting_type", "「会议类型」“茶话会”不是可选项"),
        ],
    },
    "work_info": {
        "good": {
            "信息标题": "三组两户因宅基地界址发生争执",
            "紧急程度": "一般",
            "信息类别": "矛盾纠纷",
            "信息内容": "3月15日下午，三组两户村民因宅基地界址发生口角，已现场劝解。",
            "报送人": "王芳",
        },
        "edit": {"已采取措施": "村调委会已约定3月18日组织调解。"},
        "bad": [
            ({"紧急程度": "紧急"}, "occurred_at", "「发生时间」紧急程度为“紧急”时必须填写"),
            ({"紧急程度": "特急"}, "urgency", "「紧急程度」“特急”不是可选项，可选：紧急、一般"),
            (
                {"发生时间": "2026-03-16 08:00", "报送时间": "2026-03-16 07:00"},
                "reported_at",
                "「报送时间」早于发生时间",
            ),
            (
                {"发生时间": "2026-03-16 23:00"},
                "occurred_at",
                "「发生时间」2026-03-16 23:00 晚于现在",
            ),
        ],
    },
}


def _field_keys(err: ValidationError) -> list[str]:
    return [p.field for p in err.problems]


def test_ten_presets_are_seeded_with_their_sources(ctx) -> None:
    infos = [i for i in reg.list_types(ctx) if i.is_own]
    assert [i.name for i in infos] == TEN
    by_key = {i.key: i for i in infos}
    assert by_key["dispute_register"].source == "dispute_ledger"
    assert by_key["transfer_notice"].source == "visit_transfers"
    assert by_key["monthly_bulletin"].source == "monthly_stats"
    roles = [
        label
        for _code, label in reg.choice_options(ctx, reg.get_type(ctx, "roster").field("role").spec)
    ]
    assert roles == ["治安中心户长", "楼幢长", "联防队员", "网格员", "信息员", "调解员", "应急队员"]
    # every preset has a print layout whose columns are real fields
    for info in infos:
        cols = info.print_columns()
        assert cols and all(info.field(c.key) for c in cols)
    # types and fields are synced records of this station
    t = ctx.session.scalars(select(RegisterType)).first()
    f = ctx.session.scalars(select(RegisterField)).first()
    assert t.origin == f.origin == "110105001001" and t.rev > 0 and f.rev > 0


def test_seeding_again_is_a_no_op(ctx) -> None:
    assert reg.seed_register_presets(ctx.session) == []


@pytest.mark.parametrize("key", list(CASES))
def test_preset_create_and_edit(ctx, key) -> None:
    case = CASES[key]
    saved = reg.add_record(ctx, key, case["good"])
    row = saved.record
    assert row.record_id and row.editable and not row.voided
    rec = ctx.session.get(RegisterRecord, row.record_id)
    assert rec.origin == ctx.station_code and rec.rev > 0 and rec.created_by == ctx.operator.id
    info = reg.get_type(ctx, key)
    for label, value in case["good"].items():
        f = next(x for x in info.fields if x.label == label)
        assert row.display[f.key], f"{label} shown"
        if f.type == "attachment":
            assert len(row.attachments) == len(value)
    rev_before = rec.rev
    edited = reg.update_record(ctx, row.id, case["edit"], partial=True).record
    for label, value in case["edit"].items():
        f = next(x for x in info.fields if x.label == label)
        assert edited.display[f.key]
        if f.type in ("text", "long_text"):
            assert edited.values[f.key] == value
    ctx.session.refresh(rec)
    assert rec.rev > rev_before
    # the untouched values survived the partial edit
    for label in case["good"]:
        f = next(x for x in info.fields if x.label == label)
        if label not in case["edit"]:
            assert edited.display[f.key] == row.display[f.key]
    page = reg.list_records(ctx, key)
    assert page.total == 1 and page.rows[0].id == row.id


@pytest.mark.parametrize(
    ("key", "index"), [(k, i) for k, c in CASES.items() for i in range(len(c["bad"]))]
)
def test_preset_rejects_bad_values_naming_the_field(ctx, village_db, key, index) -> None:
    case = CASES[key]
    over, field_key, fragment = case["bad"][index]
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError) as exc:
        reg.add_record(ctx, key, {**case["good"], **over})
    assert field_key in _field_keys(exc.value)
    assert fragment in str(exc.value)
    assert ledger_snapshot(village_db) == before


def test_bad_edit_writes_nothing(ctx, village_db) -> None:
    row = reg.add_record(ctx, "roster", CASES["roster"]["good"]).record
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError, match="「联系电话」"):
        reg.update_record(ctx, row.id, {"联系电话": "5"}, partial=True)
    assert ledger_snapshot(village_db) == before
    assert reg.get_record(ctx, row.id).values["phone"] == "13800138000"


def test_every_problem_is_reported_at_once(ctx) -> None:
    with pytest.raises(ValidationError) as exc:
        reg.add_record(ctx, "work_log", {"日期": "明天", "工作类别": "吃饭"})
    assert set(_field_keys(exc.value)) == {"date", "author", "category", "content"}


def test_unknown_field_is_named(ctx) -> None:
    with pytest.raises(ValidationError, match="「天气」不是本台账的栏目"):
        reg.add_record(ctx, "work_log", {**CASES["work_log"]["good"], "天气": "晴"})


def test_roster_values_are_normalised_and_id_masked_for_clerks(ctx, village_db, clock) -> None:
    row = reg.add_record(ctx, "roster", CASES["roster"]["good"]).record
    assert row.values["phone"] == "13800138000"
    assert row.values["id_number"] == "11010519491231002X"
    assert row.values["service"] == {"start": "2025-01-01", "end": None}
    assert row.display["service"] == "2025-01-01 起"
    assert row.values["role"] == "grid_worker" and row.display["role"] == "网格员"
    assert row.display["id_number"] == "11010519491231002X"  # station admin may see it
    create_operator(ctx, OperatorInput("clerk1", "王芳", "clerk", "clerk123"))
    clerk = open_ctx(village_db, "clerk1", clock=clock)
    try:
        shown = reg.list_records(clerk, "roster").rows[0]
        assert shown.display["id_number"] == "110105********002X"
        out = reg.printout(clerk, "roster")
        assert "11010519491231002X" not in repr(out.rows)
        # ID numbers are not searchable text
        assert reg.list_records(clerk, "roster", reg.RecordFilter(text="19491231")).total == 0
        assert reg.list_records(clerk, "roster", reg.RecordFilter(text="第三网格")).total == 1
    finally:
        clerk.close()


def test_roster_in_post_filter(ctx) -> None:
    base = CASES["roster"]["good"]
    reg.add_record(ctx, "roster", {**base, "姓名": "在岗甲"})
    reg.add_record(
        ctx,
        "roster",
        {**base, "姓名": "离任乙", "身份证号": "", "任职期间": "2020-01-01~2025-06-30"},
    )
    on = reg.list_records(ctx, "roster", reg.RecordFilter(active_on=date(2026, 3, 16)))
    assert [r.title for r in on.rows] == ["在岗甲"]
    assert reg.list_records(ctx, "roster").total == 2


def test_attachments_are_stored_once_kept_and_replaced(ctx) -> None:
    photo = NewFile("宣传栏.png", png_bytes(), "image/png")
    row = reg.add_record(ctx, "publicity", {**CASES["publicity"]["good"], "照片": [photo]}).record
    [att] = row.attachments
    assert att.name == "宣传栏.png" and att.size == photo.size
    assert reg.read_attachment(ctx, att.id).content == photo.content
    stored = row.values["photo"]
    # keep the first photo, add a second
    second = NewFile("第二张.png", png_bytes(20, 20), "image/png")
    row = reg.update_record(ctx, row.id, {"照片": [*stored, second]}, partial=True).record
    assert [a.name for a in row.attachments] == ["宣传栏.png", "第二张.png"]
    # drop the first: tombstoned, not deleted
    row = reg.update_record(ctx, row.id, {"照片": [row.values["photo"][1]]}, partial=True).record
    assert [a.name for a in row.attachments] == ["第二张.png"]
    atts = ctx.session.scalars(select(RegisterAttachment)).all()
    assert len(atts) == 2 and sum(a.deleted_at is not None for a in atts) == 1
    # an attachment of another record cannot be smuggled in
    other = reg.add_record(ctx, "publicity", CASES["publicity"]["good"]).record
    with pytest.raises(ValidationError, match="不属于本记录"):
        reg.update_record(ctx, other.id, {"照片": row.values["photo"]}, partial=True)


def test_attachment_size_limit_and_photo_downscaling(ctx, village_db) -> None:
    big = NewFile("扫描件.pdf", b"%PDF" + b"0" * (MAX_ATTACHMENT_BYTES + 1), "application/pdf")
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError, match="超过5MB上限"):
        reg.add_record(
            ctx, "responsibility", {**CASES["responsibility"]["good"], "责任书扫描件": [big]}
        )
    assert ledger_snapshot(village_db) == before
    # a large photo is scaled down to a JPEG before it is stored
    raw = png_bytes(3000, 1000, noisy=True)
    assert len(raw) > reg.PHOTO_SHRINK_OVER
    row = reg.add_record(
        ctx,
        "publicity",
        {**CASES["publicity"]["good"], "照片": [NewFile("大图.png", raw, "image/png")]},
    ).record
    [att] = row.attachments
    assert att.name == "大图.jpg" and att.mime == "image/jpeg" and att.size < len(raw)
    import io

    from PIL import Image

    with Image.open(io.BytesIO(reg.read_attachment(ctx, att.id).content)) as img:
        assert max(img.size) <= reg.PHOTO_MAX_EDGE


def test_void_keeps_a_tombstone(ctx) -> None:
    row = reg.add_record(ctx, "work_log", CASES["work_log"]["good"]).record
    with pytest.raises(ValidationError, match="「作废原因」不能为空"):
        reg.void_record(ctx, row.id, " ")
    voided = reg.void_record(ctx, row.id, "重复登记")
    assert voided.voided and voided.void_reason == "重复登记" and "已作废" in voided.flags
    assert reg.list_records(ctx, "work_log").total == 0
    assert reg.list_records(ctx, "work_log", reg.RecordFilter(include_voided=True)).total == 1
    assert ctx.session.get(RegisterRecord, row.id).deleted_at is not None
    with pytest.raises(WorkflowError, match="已作废"):
        reg.update_record(ctx, row.id, {"工作内容": "改"}, partial=True)


def test_period_and_date_filter(ctx) -> None:
    good = CASES["work_log"]["good"]
    reg.add_record(ctx, "work_log", {**good, "日期": "2026-02-27"})
    reg.add_record(ctx, "work_log", {**good, "日期": "2026-03-02"})
    reg.add_record(ctx, "work_log", {**good, "日期": "2026-03-15"})
    recs = ctx.session.scalars(select(RegisterRecord).order_by(RegisterRecord.record_date)).all()
    assert [r.period_key for r in recs] == ["2026-02", "2026-03", "2026-03"]
    march = reg.list_records(ctx, "work_log", reg.RecordFilter(date(2026, 3, 1), date(2026, 3, 31)))
    assert [r.record_date for r in march.rows] == [date(2026, 3, 15), date(2026, 3, 2)]
    asc = reg.list_records(ctx, "work_log", reg.RecordFilter(ascending=True, limit=2))
    assert asc.total == 3 and [r.record_date for r in asc.rows] == [
        date(2026, 2, 27),
        date(2026, 3, 2),
    ]


def test_records_need_register_permission_and_own_types(ctx, village_db, clock) -> None:
    create_operator(ctx, OperatorInput("clerk2", "李梅", "clerk", "clerk123"))
    clerk = open_ctx(village_db, "clerk2", clock=clock)
    try:
        row = reg.add_record(clerk, "work_log", CASES["work_log"]["good"]).record  # staff may
        assert row.record_id
        with pytest.raises(PermissionDenied):
            reg.add_type(clerk, reg.TypeInput(name="值班记录"))
    finally:
        clerk.close()
    with pytest.raises(WorkflowError, match="由矛盾纠纷台账自动生成"):
        reg.add_record(ctx, "dispute_register", {})
    with pytest.raises(WorkflowError, match="请先在“来信来访”中转办"):
        reg.add_record(ctx, "transfer_notice", {})


def test_new_record_defaults(ctx) -> None:
    d = reg.new_record_defaults(ctx, "work_log")
    assert d["date"] == "2026-03-16"
    assert d["author"] == {"name": ctx.operator.display_name, "person_id": None}
    assert d["category"] == "routine"
    assert reg.new_record_defaults(ctx, "responsibility")["year"] == 2026
