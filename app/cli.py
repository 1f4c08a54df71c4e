"""``zongzhi <command>``: headless use of every capability (DESIGN §7).

Exit code 0 on success; on failure one Chinese line on stderr and a non-zero code
(1: the request was refused or failed, 2: the command line itself is wrong).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from app import __version__
from app.config import default_db_path
from app.db import Database, open_database
from app.rules.errors import AppError, ValidationError
from app.rules.text import mask_id_number

EXIT_RECORDS_REFUSED = 3  # the files were imported, but some records in them were refused

_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "options": "选项",
    "positional arguments": "位置参数",
    "show this help message and exit": "显示帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
}


def _argparse_text(message: str) -> str:
    return _ARGPARSE_ZH.get(message, message)


argparse._ = _argparse_text  # type: ignore[attr-defined]  # Chinese help headings


def _translate_error(message: str) -> str:
    rules: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (r"the following arguments are required: (.+)", lambda m: f"缺少必填参数：{m.group(1)}"),
        (r"unrecognized arguments: (.+)", lambda m: f"无法识别的参数：{m.group(1)}"),
        (
            r"argument (\S+): invalid choice: '?([^' ]+)'? \(choose from (.+)\)",
            lambda m: f"参数 {m.group(1)} 的取值“{m.group(2)}”无效，可选：{m.group(3)}",
        ),
        (
            r"argument (\S+): invalid int value: '?([^']+)'?",
            lambda m: f"参数 {m.group(1)} 应为整数，收到“{m.group(2)}”",
        ),
        (r"argument (\S+): expected one argument", lambda m: f"参数 {m.group(1)} 需要一个值"),
    ]
    for pattern, fmt in rules:
        m = re.search(pattern, message)
        if m:
            return fmt(m)
    return f"命令行参数有误：{message}"


class ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        m = re.match(r"argument 命令: invalid choice: '?([^' ]*)'?", message)
        if m and self.prog == "zongzhi":
            sys.stderr.write(_unknown_command(m.group(1)) + "\n")
            raise SystemExit(2)
        sys.stderr.write(f"错误：{_translate_error(message)}（用 -h 查看用法）\n")
        raise SystemExit(2)


def _unknown_command(word: str) -> str:
    """``zongzhi stat``: a Chinese line naming the commands (and the likely one)."""
    import difflib

    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
    hint = f"，您要的可能是 {close[0]}" if close else ""
    return (
        f"错误：没有“{word}”这个命令{hint}。可用的命令：{'、'.join(COMMANDS)}"
        "（用 zongzhi -h 查看说明；不带命令运行 zongzhi 打开桌面程序）"
    )


def _emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(text(data) + "\n")


def _open(args: argparse.Namespace, *, create: bool = False) -> Database:
    url = getattr(args, "database_url", None)
    if url:  # a hub's server database (PostgreSQL)
        from app.db import open_database_url

        db = open_database_url(url, create=create)
    else:
        db = open_database(Path(args.db), create=create)
    for notice in db.notices:  # e.g. a ledger on a network share (WAL turned off)
        sys.stderr.write(f"提示：{notice}\n")
    if not create:
        from app.services.stations import upgrade_code_tables

        upgrade_code_tables(db)
    return db


def _ctx(args: argparse.Namespace, db: Database) -> Any:
    from app.services.context import open_ctx

    return open_ctx(db, args.operator)


@contextlib.contextmanager
def _session(args: argparse.Namespace) -> Iterator[Any]:
    """The ledger named on the command line and a context acting as ``--operator``."""
    db = _open(args)
    try:
        ctx = _ctx(args, db)
        try:
            yield ctx
        finally:
            ctx.close()
    finally:
        db.close()


# --- commands --------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from app.services.stations import StationInput, init_station

    password = args.admin_password or os.environ.get("ZONGZHI_ADMIN_PASSWORD", "")
    if not password:
        if not sys.stdin.isatty():
            raise ValidationError.single(
                "admin_password",
                "管理员密码",
                "未提供",
                "请用 --admin-password 或环境变量 ZONGZHI_ADMIN_PASSWORD 指定",
            )
        password = getpass.getpass("请设置管理员密码：")
    data = StationInput(
        code=args.station_code,
        name=args.station_name,
        level=args.level,
        parent_code=args.parent_code,
        short_name=args.short_name or "",
        admin_username=args.admin_user,
        admin_password=password,
        **({"admin_display_name": args.admin_name} if args.admin_name else {}),
    )
    # validate before creating the file, so a bad command leaves nothing behind
    path = Path(args.db)
    existed = path.exists() or bool(getattr(args, "database_url", None))
    try:
        db = _open(args, create=True)
        try:
            station = init_station(db, data)
        finally:
            db.close()
    except Exception:
        if not existed:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    where = _shown_url(args.database_url) if getattr(args, "database_url", None) else path
    print(f"已初始化工作站：{station.name}（{station.code}），数据库：{where}")
    _init_sync_keys(args)
    return 0


def _init_sync_keys(args: argparse.Namespace) -> None:
    """Create the station's sync keys now; a locked keystore only postpones it (card export)."""
    from app.sync.errors import SyncError
    from app.sync.keys import ensure_station_keys

    _sync_passphrase_prompt()
    db = _open(args)
    try:
        info = ensure_station_keys(db)
        print(f"已创建同步密钥，本站指纹：{info.fingerprint}")
        if info.warning:
            sys.stderr.write(f"提示：{info.warning}\n")
    except SyncError as exc:
        sys.stderr.write(f"提示：暂未创建同步密钥（{exc}）；导出工作站卡片时会再次尝试\n")
    finally:
        db.close()


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services import demo

    with _session(args) as ctx:
        counts = demo.generate(ctx, visits=args.visits, disputes=args.disputes, seed=args.seed)
    print(
        f"已生成演示数据：信访件 {counts.visits} 件，纠纷 {counts.disputes} 件，演示操作员 {counts.operators} 名（密码 demo123）"
    )
    return 0


def _stats_text(data: dict[str, Any]) -> str:
    v, d, sc = data["visits"], data["disputes"], data["screenings"]
    rate = "—" if d["success_rate"] is None else f"{d['success_rate'] * 100:.1f}%"
    lines = [
        f"{data['station']['name']}（{data['station']['code']}） 统计期间：{data['period']}",
        "",
        f"矛盾纠纷排查 {sc['count']} 次，发现纠纷 {sc['found']} 件，当场化解 {sc['resolved']} 件",
        "",
        f"来信来访 共 {v['total']} 件（集体访 {v['group']}，重复访 {v['repeat']}，越级 {v['skip_level']}）",
    ]
    lines += [f"  {k}：{n}" for k, n in v["by_status"].items()]
    lines += [
        "",
        f"矛盾纠纷 受理 {d['total']} 件；调解 {d['mediated']} 件，成功 {d['succeeded']} 件，成功率 {rate}",
        f"  协议涉及金额：{d['agreement_amount_yuan']:.2f} 元；回访确认履行 {d['performed']} 件",
    ]
    lines += [f"  {k}：{n}" for k, n in d["by_status"].items()]
    if d["by_category"]:
        lines.append("  按类别：" + "，".join(f"{k} {n}" for k, n in d["by_category"].items()))
    lines += [
        "",
        f"截至 {data['as_of']} 超期未办结：来信来访 {v['overdue']} 件，矛盾纠纷 {d['overdue']} 件",
    ]
    if data["zero_report"]:
        lines.append("本期无新增事项（零报告）")
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace) -> int:
    from app.services.stats import compute

    with _session(args) as ctx:
        data = compute(ctx, args.month, origin=args.station)
        if args.xlsx:
            from app.services.stats_export import export_xlsx, tables_of

            export_xlsx(
                Path(args.xlsx), f"{data['station']['name']}{data['period']}", tables_of(data)
            )
    _emit(data, args.json, _stats_text)
    if args.xlsx:
        sys.stderr.write(f"已导出 Excel：{args.xlsx}\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.check import run_checks

    _sqlite_only(args, "数据库检查（zongzhi check）")
    db = open_database(Path(args.db), create=False)
    try:
        data = run_checks(db)
        _record_check(db, args, bool(data["ok"]))
    finally:
        db.close()
    _emit(
        data,
        args.json,
        lambda r: "\n".join(
            f"{'✓' if c['ok'] else '✗'} {c['label']}：{c['detail']}" for c in r["checks"]
        ),
    )
    if not data["ok"]:
        bad = next(c for c in data["checks"] if not c["ok"])
        sys.stderr.write(f"检查未通过：{bad['label']}：{bad['detail']}\n")
        return 1
    return 0


def _record_check(db: Database, args: argparse.Namespace, ok: bool) -> None:
    """Who ran the check and its outcome, in the audit log (a ledger that cannot take it still
    gets its report)."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.services import audit

    with (
        contextlib.suppress(SQLAlchemyError, OSError),
        db.transaction(operator_id=getattr(args, "operator_id", "")) as s,
    ):
        audit.record(s, "check", {"ok": ok})


def cmd_operator(args: argparse.Namespace) -> int:
    from app.services.operators import OperatorInput, create_operator, list_operators

    with _session(args) as ctx:
        if args.op_command == "add":
            password = args.password or os.environ.get("ZONGZHI_OPERATOR_PASSWORD", "")
            if not password and sys.stdin.isatty():
                password = getpass.getpass("请设置该操作员的密码：")
            op = create_operator(ctx, OperatorInput(args.username, args.name, args.role, password))
            print(f"已添加操作员：{op.display_name}（{op.username}）")
        else:
            from app.rules.permissions import ROLE_LABELS

            rows = [
                {
                    "username": o.username,
                    "name": o.display_name,
                    "role": ROLE_LABELS[o.role],
                    "active": o.active,
                }
                for o in list_operators(ctx)
            ]
            _emit(
                rows,
                args.json,
                lambda r: "\n".join(f"{x['username']}\t{x['name']}\t{x['role']}" for x in r),
            )
    return 0


def _case_dict(ctx: Any, case: Any) -> dict[str, Any]:
    from app.models import Visit
    from app.rules.deadlines import deadline_label
    from app.rules.workflow import DISPUTE, VISIT
    from app.services.cases import timeline

    machine = VISIT if isinstance(case, Visit) else DISPUTE
    people = case.persons if isinstance(case, Visit) else case.parties
    can_see_id = ctx.can("id_number.view")
    return {
        "id": case.id,
        "case_code": case.case_code,
        "type": "visit" if isinstance(case, Visit) else "dispute",
        "title": case.subject if isinstance(case, Visit) else case.title,
        "mediation_no": getattr(case, "mediation_no", ""),
        "status": case.status,
        "status_label": machine.status_label(case.status),
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "deadline": deadline_label(case.due_on, ctx.today()),
        "origin": case.origin,
        "people": [
            {
                "name": p.person.name,
                "role": p.role,
                "id_number": p.person.id_number
                if can_see_id
                else mask_id_number(p.person.id_number),
            }
            for p in people
            if p.deleted_at is None
        ],
        "allowed_actions": [
            {"action": a.code, "label": a.label} for a in machine.allowed(case.status)
        ],
        "timeline": [
            {
                "day": t.day,
                "event": t.event_label,
                "from": t.from_label,
                "to": t.to_label,
                "actor": t.actor,
                "note": t.note,
            }
            for t in timeline(ctx, case)
        ],
    }


def _case_text(c: dict[str, Any]) -> str:
    lines = [
        f"{c['case_code']}  {c['title']}",
        f"状态：{c['status_label']}"
        + (f"（{c['deadline']}，期限 {c['due_on']}）" if c["due_on"] else ""),
    ]
    if c["mediation_no"]:
        lines.append(f"编号：{c['mediation_no']}")
    lines.append("当事人：" + "、".join(f"{p['name']}" for p in c["people"]))
    lines.append(
        "可执行："
        + ("、".join(f"{a['label']}({a['action']})" for a in c["allowed_actions"]) or "无")
    )
    lines.append("流转记录：")
    for t in c["timeline"]:
        move = f" {t['from']}→{t['to']}" if t["to"] and t["from"] else ""
        lines.append(f"  {t['day']} {t['event']}{move} [{t['actor']}] {t['note']}")
    return "\n".join(lines)


def cmd_case(args: argparse.Namespace) -> int:
    from app.models import Visit
    from app.services.cases import find_case
    from app.services.disputes import DisputeAction, advance_dispute
    from app.services.visits import VisitAction, advance_visit

    with _session(args) as ctx:
        case = find_case(ctx, args.code)
        if args.case_command == "advance":
            if isinstance(case, Visit):
                advance_visit(
                    ctx,
                    case.id,
                    args.action,
                    VisitAction(
                        note=args.note,
                        on=args.on,
                        unit=args.unit,
                        days=args.days,
                        approver=args.approver,
                        satisfaction=args.satisfaction,
                    ),
                )
            else:
                advance_dispute(
                    ctx,
                    case.id,
                    args.action,
                    DisputeAction(
                        note=args.note,
                        on=args.on,
                        mediator=args.mediator,
                        new_due=args.new_due,
                        consent=args.consent,
                        agreement_type=args.agreement_type,
                        facts=args.facts,
                        terms=args.terms,
                        performance_manner=args.performance_manner,
                        performance_place=args.performance_place,
                        performance_deadline=args.performance_deadline,
                        amount=args.amount,
                        unit=args.unit,
                        performance_status=args.performance_status,
                    ),
                )
        _emit(_case_dict(ctx, case), args.json, _case_text)
    return 0


def _person_arg(text: str) -> Any:
    """ "姓名,身份证号,电话[,角色]" → PersonInput (+ role)."""
    from app.services.persons import PersonInput

    parts = [p.strip() for p in re.split(r"[,，]", text)]
    parts += [""] * (4 - len(parts))
    return PersonInput(name=parts[0], id_number=parts[1], phone=parts[2]), parts[3]


def cmd_visit_add(args: argparse.Namespace) -> int:
    from app.services.visits import VisitInput, register_visit

    with _session(args) as ctx:
        petitioners = [_person_arg(p)[0] for p in args.petitioner]
        saved = register_visit(
            ctx,
            VisitInput(
                channel=args.channel,
                received_at=args.received_at,
                headcount=args.headcount,
                category=args.category,
                petition_type=args.type,
                subject=args.subject,
                request=args.request,
                facts=args.facts,
                place=args.place,
                petitioners=petitioners,
                is_anonymous=args.anonymous,
                is_urgent=args.urgent,
                accused_unit=args.accused_unit,
            ),
        )
        for w in saved.warnings:
            sys.stderr.write(f"提示：{w}\n")
        _emit(_case_dict(ctx, saved.record), args.json, _case_text)
    return 0


def cmd_dispute_add(args: argparse.Namespace) -> int:
    from app.services.disputes import DisputeInput, PartyInput, register_dispute

    with _session(args) as ctx:
        parties = []
        for i, text in enumerate(args.party):
            person, role = _person_arg(text)
            parties.append(PartyInput(person, role or ("applicant" if i == 0 else "respondent")))
        saved = register_dispute(
            ctx,
            DisputeInput(
                title=args.title,
                source=args.source,
                category=args.category,
                summary=args.summary,
                requests=args.requests,
                registered_on=args.registered_on,
                amount=args.amount,
                place=args.place,
                parties=parties,
            ),
        )
        for w in saved.warnings:
            sys.stderr.write(f"提示：{w}\n")
        _emit(_case_dict(ctx, saved.record), args.json, _case_text)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from app.services.backup import backup_now, list_backups

    _sqlite_only(args, "备份")
    if args.list:
        rows = [
            {
                "file": str(b.path),
                "taken_at": b.taken_at.isoformat(),
                "reason": b.reason_label,
                "size": b.size,
            }
            for b in list_backups(Path(args.db))
        ]
        _emit(
            rows,
            args.json,
            lambda r: (
                "\n".join(f"{x['taken_at']}  {x['reason']}  {x['file']}" for x in r) or "暂无备份"
            ),
        )
        return 0
    db = _open(args)
    try:
        path = backup_now(
            db,
            reason="manual",
            out=Path(args.out) if args.out else None,
            operator_id=getattr(args, "operator_id", ""),
        )
    finally:
        db.close()
    _emit({"file": str(path)}, args.json, lambda r: f"已备份到：{r['file']}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services.backup import restore

    _sqlite_only(args, "恢复")

    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError.single(
                "yes", "确认", "恢复会用备份覆盖当前台账", "确认无误后加 --yes 再执行"
            )
        answer = input("恢复将用备份覆盖当前台账（当前台账会先自动备份）。输入“恢复”确认：")
        if answer.strip() != "恢复":
            print("已取消")
            return 1
    epoch = restore(
        Path(args.db),
        Path(args.file),
        allow_other_station=args.allow_other_station,
        operator_id=getattr(args, "operator_id", ""),
    )
    print(f"已从 {args.file} 恢复台账；同步纪元已更新为 {epoch}，请尽快导出同步包")
    return 0


# --- parser ------------------------------------------------------------------------------


def build_parser() -> ChineseArgumentParser:
    p = ChineseArgumentParser(
        prog="zongzhi", description="综治工作站：来信来访、矛盾纠纷台账、调解文书与同步"
    )
    p.add_argument("--version", action="version", version=f"综治工作站 {__version__}")
    p.add_argument(
        "--db", default=str(default_db_path()), help="台账数据库文件（默认：本机数据目录）"
    )
    p.add_argument(
        "--operator",
        default=None,
        help="以哪个操作员身份执行（也可用环境变量 ZONGZHI_OPERATOR）；密码在提示时输入，"
        "脚本用环境变量 ZONGZHI_PASSWORD",
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get("ZONGZHI_DATABASE_URL") or None,
        help="同步服务（乡镇/县）使用的 PostgreSQL 数据库，如 postgresql+psycopg://用户:口令@主机/库名"
        "（代替 --db；也可用环境变量 ZONGZHI_DATABASE_URL）",
    )
    sub = p.add_subparsers(dest="command", metavar="命令")

    s = sub.add_parser("init", help="初始化工作站（首次使用）")
    s.add_argument("--station-code", required=True, help="12位统计用区划代码")
    s.add_argument("--station-name", required=True, help="站点名称，如“柳树村综治中心”")
    s.add_argument("--level", required=True, choices=["village", "township", "county"], help="层级")
    s.add_argument("--parent-code", help="上级单位区划代码")
    s.add_argument("--short-name", help="简称（用于文书编号“（年）简称调字第N号”）")
    s.add_argument("--admin-user", default="admin", help="管理员用户名（默认 admin）")
    s.add_argument("--admin-name", help="管理员本人的真实姓名（登记表的首接人、经办人默认用它）")
    s.add_argument("--admin-password", help="管理员密码（也可用环境变量 ZONGZHI_ADMIN_PASSWORD）")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", help="生成演示数据")
    s.add_argument("--visits", type=int, default=60, help="信访件数量（默认60）")
    s.add_argument("--disputes", type=int, default=80, help="纠纷数量（默认80）")
    s.add_argument("--seed", type=int, default=20251124, help="随机种子")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("stats", help="统计")
    s.add_argument("--month", help="统计月份，如 2025-03（默认全部）")
    s.add_argument("--station", help="只统计某一工作站的记录（代码；默认本站持有的全部记录）")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.add_argument("--xlsx", help="同时导出为 Excel 文件")
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("check", help="检查数据库完整性")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("operator", help="操作员管理")
    osub = s.add_subparsers(dest="op_command", metavar="子命令", required=True)
    o = osub.add_parser("add", help="添加操作员")
    o.add_argument("username")
    o.add_argument("--name", required=True, help="姓名")
    o.add_argument(
        "--role",
        required=True,
        choices=["clerk", "mediator", "station_admin", "township_officer", "township_admin"],
    )
    o.add_argument("--password", help="密码（也可用环境变量 ZONGZHI_OPERATOR_PASSWORD）")
    o = osub.add_parser("list", help="列出操作员")
    o.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_operator)

    s = sub.add_parser("case", help="按案件编码查看或办理（一案一码）")
    csub = s.add_subparsers(dest="case_command", metavar="子命令", required=True)
    c = csub.add_parser("show", help="查看案件和流转记录")
    c.add_argument("code", help="案件编码或记录ID")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("advance", help="办理下一步（审核、受理、转办、调解成功、回访、归档…）")
    c.add_argument("code", help="案件编码或记录ID")
    c.add_argument("action", help="操作代码，见 case show 的“可执行”")
    for flag, helptext in (
        ("--note", "意见/理由/结果"),
        ("--on", "办理日期"),
        ("--unit", "承办/移送单位"),
        ("--approver", "延期批准人"),
        ("--satisfaction", "满意度"),
        ("--mediator", "调解员"),
        ("--new-due", "延期至"),
        ("--agreement-type", "协议形式 written/oral"),
        ("--facts", "纠纷事实"),
        ("--terms", "协议内容"),
        ("--performance-manner", "履行方式"),
        ("--performance-place", "履行地点"),
        ("--performance-deadline", "履行期限"),
        ("--amount", "协议金额（元）"),
        ("--performance-status", "履行情况"),
    ):
        c.add_argument(flag, default="", help=helptext)
    c.add_argument("--days", default="0", help="延期天数")
    c.add_argument("--consent", action="store_true", help="双方当事人同意延期")
    c.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_case)

    s = sub.add_parser("visit", help="来信来访")
    vsub = s.add_subparsers(dest="visit_command", metavar="子命令", required=True)
    v = vsub.add_parser("add", help="登记信访件")
    v.add_argument(
        "--petitioner", action="append", default=[], help="信访人“姓名,身份证号,电话”，可重复"
    )
    v.add_argument("--channel", default="visit", help="信访形式（来访/来信/电话/网上…）")
    v.add_argument("--received-at", default=None, help="登记时间，默认现在")
    v.add_argument("--headcount", default="1", help="人数")
    v.add_argument("--category", required=True, help="内容分类")
    v.add_argument("--type", default="appeal", help="事项类型（建议意见类/检举控告类/申诉求决类）")
    v.add_argument("--subject", default="", help="事由")
    v.add_argument("--request", required=True, help="诉求")
    v.add_argument("--facts", default="", help="事实和理由")
    v.add_argument("--place", default="", help="问题属地")
    v.add_argument("--accused-unit", default="", help="被反映单位（检举控告类）")
    v.add_argument("--anonymous", action="store_true", help="匿名")
    v.add_argument("--urgent", action="store_true", help="紧急")
    v.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_visit_add)

    s = sub.add_parser("dispute", help="矛盾纠纷")
    dsub = s.add_subparsers(dest="dispute_command", metavar="子命令", required=True)
    d = dsub.add_parser("add", help="受理登记纠纷")
    d.add_argument(
        "--party", action="append", default=[], help="当事人“姓名,身份证号,电话[,角色]”，至少两方"
    )
    d.add_argument("--category", required=True, help="纠纷类别")
    d.add_argument("--source", default="party_application", help="案件来源")
    d.add_argument("--summary", required=True, help="纠纷简要情况")
    d.add_argument("--requests", default="", help="申请事项")
    d.add_argument("--title", default="", help="纠纷名称（默认自动生成）")
    d.add_argument("--registered-on", default=None, help="受理日期，默认今天")
    d.add_argument("--amount", default="", help="涉及金额（元）")
    d.add_argument("--place", default="", help="发生地点")
    d.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_dispute_add)
    _add_backup_commands(sub)
    _add_register_commands(sub)
    _add_excel_commands(sub)
    _add_print_commands(sub)
    _add_sync_commands(sub)
    _add_report_commands(sub)
    _add_net_commands(sub)
    return p


def _add_backup_commands(sub: Any) -> None:
    s = sub.add_parser("backup", help="备份台账（SQLite 在线备份）")
    s.add_argument("--out", help="备份到指定文件（默认：台账旁的 backups 文件夹，自动轮换）")
    s.add_argument("--list", action="store_true", help="列出已有备份")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_backup)
    s = sub.add_parser("restore", help="从备份恢复台账（恢复前自动备份当前台账）")
    s.add_argument("file", help="备份文件")
    s.add_argument("--yes", action="store_true", help="确认覆盖当前台账")
    s.add_argument("--allow-other-station", action="store_true", help="允许恢复其他工作站的备份")
    s.set_defaults(func=cmd_restore)


# --- registers (台账, 十个一) -----------------------------------------------------------


def _register_range(args: argparse.Namespace, info: Any, today: Any) -> tuple[Any, Any]:
    """--from/--to, or --period (2026-03 | 2026 | 2026-03-16); print defaults to this period."""
    from app.rules import registers as rr
    from app.rules.dates import parse_date
    from app.services.registers import default_print_range

    start = parse_date(args.date_from, "from", "开始日期") if args.date_from else None
    end = parse_date(args.date_to, "to", "结束日期") if args.date_to else None
    period = getattr(args, "period", None)
    if period:
        text = period.strip()
        kind = {4: "yearly", 7: "monthly", 10: "daily"}.get(len(text))
        try:
            if kind is None:
                raise ValueError
            start, end = rr.period_bounds(kind, text)
        except ValueError:
            raise ValidationError.single(
                "period", "期间", f"“{period}”格式不正确", "请写成 2026-03、2026 或 2026-03-16"
            ) from None
    if start is None and end is None and getattr(args, "default_current", False):
        start, end = default_print_range(info, today)
    if start and end and end < start:
        raise ValidationError.single("to", "结束日期", "早于开始日期", "请核对日期")
    return start, end


def _register_fields(info: Any, pairs: Sequence[str]) -> dict[str, Any]:
    """--field 名称=值 (repeatable; a repeated name gives a list: attachments, several people)."""
    from app.services.registers import file_from_path

    by_name = {f.label: f for f in info.active_fields} | {f.key: f for f in info.active_fields}
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationError.single(
                "field", "--field", f"“{pair}”格式不正确", "请写成 --field 栏目名=值"
            )
        f = by_name.get(name)
        if f is None:
            options = "、".join(x.label for x in info.editable_fields)
            raise ValidationError.single(
                "field", name, "不是本台账的栏目", f"可填写的栏目：{options}"
            )
        item: Any = value
        if f.type == "attachment" and value.strip():
            item = file_from_path(value.strip())
        many = f.type == "attachment" or (f.type == "person" and f.options.get("multiple"))
        if many and f.key in out:
            prev = out[f.key]
            out[f.key] = [*(prev if isinstance(prev, list) else [prev]), item]
        else:  # a repeated single-valued field: the last one given counts
            out[f.key] = [item] if f.type == "attachment" else item
    return out


def _register_row_text(info: Any, row: Any) -> str:
    head = f"[{row.id}] {row.record_date or ''} {row.title}"
    if row.flags:
        head += "  〔" + "、".join(row.flags) + "〕"
    lines = [head]
    for f in info.active_fields:
        text = row.display.get(f.key, "")
        if text:
            lines.append(f"  {f.label}：{text}".replace("\n", "\n    "))
    if row.voided:
        lines.append(f"  作废原因：{row.void_reason}")
    return "\n".join(lines)


def _render_register_pdf(out: Any) -> bytes:
    """The printing helpers' landscape table (app.print) fed with the register's layout."""
    from app.print.table import TableColumn, render_table

    return render_table(
        out.title,
        out.subtitle,
        [
            TableColumn(c.label, c.width, "center" if c.key == "_seq" else "left")
            for c in out.columns
        ],
        out.rows,
        landscape=out.landscape,
    )


def cmd_register(args: argparse.Namespace) -> int:
    from app.services import registers as reg

    with _session(args) as ctx:
        command = args.reg_command
        if command == "types":
            infos = reg.list_types(ctx, include_inactive=args.all)
            _emit(
                [reg.type_summary(i) for i in infos],
                args.json,
                lambda rows: "\n".join(
                    f"{r['key']}\t{r['name']}\t{r['period_label']}\t{r['source']}"
                    + ("" if r["origin"] == ctx.station_code else f"\t（{r['station']}）")
                    + ("" if r["active"] else "\t（已停用）")
                    for r in rows
                ),
            )
        elif command == "fields":
            info = reg.get_type(ctx, args.key)
            _emit(
                reg.type_summary(info),
                args.json,
                lambda r: "\n".join(
                    [f"{r['name']}（{r['key']}，{r['period_label']}）"]
                    + [
                        f"  {f['label']}\t{f['type_label']}"
                        + ("\t必填" if f["required"] else "")
                        + ("\t本站添加" if f["local"] else "")
                        + ("" if f["active"] else "\t已停用")
                        for f in r["fields"]
                    ]
                ),
            )
        elif command == "list":
            info = reg.get_type(ctx, args.key)
            start, end = _register_range(args, info, ctx.today())
            flt = reg.RecordFilter(
                start=start, end=end, text=args.text or "", include_voided=args.voided
            )
            if args.json:
                _emit(reg.export_rows(ctx, info.id, flt), True, str)
            else:
                page = reg.list_records(ctx, info.id, flt)
                body = "\n".join(_register_row_text(info, r) for r in page.rows)
                sys.stdout.write(f"{info.name}：共 {page.total} 条\n{body}\n")
        elif command == "show":
            row = reg.get_record(ctx, args.id)
            info = reg.get_type(ctx, row.type_id)
            _emit(
                {
                    "id": row.id,
                    "register": info.name,
                    "date": row.record_date.isoformat() if row.record_date else None,
                    "flags": row.flags,
                    "voided": row.voided,
                    "fields": {f.label: row.display.get(f.key, "") for f in info.active_fields},
                    "attachments": [
                        {"id": a.id, "name": a.name, "size": a.size} for a in row.attachments
                    ],
                },
                args.json,
                lambda _d: _register_row_text(info, row),
            )
        elif command in ("add", "edit"):
            if command == "add":
                info = reg.get_type(ctx, args.key)
                saved = reg.add_record(ctx, info.id, _register_fields(info, args.field))
            else:
                current = reg.get_record(ctx, args.id)
                info = reg.get_type(ctx, current.type_id)
                saved = reg.update_record(
                    ctx, args.id, _register_fields(info, args.field), partial=True
                )
            for w in saved.warnings:
                sys.stderr.write(f"提示：{w}\n")
            _emit(
                {"id": saved.record.id, "title": saved.record.title, "flags": saved.record.flags},
                args.json,
                lambda _d: (
                    ("已登记" if command == "add" else "已修改")
                    + "：\n"
                    + _register_row_text(info, saved.record)
                ),
            )
        elif command == "void":
            row = reg.void_record(ctx, args.id, args.reason)
            print(f"已作废：{row.title}（{row.id}）")
        elif command == "print":
            info = reg.get_type(ctx, args.key)
            args.default_current = True
            start, end = _register_range(args, info, ctx.today())
            out = reg.printout(ctx, info.id, start, end)
            pdf = _render_register_pdf(out)
            Path(args.out).write_bytes(pdf)
            print(
                f"已生成：{args.out}（{out.title}，{out.subtitle.split()[0]}，{len(out.rows)} 条）"
            )
        elif command == "bulletin":
            saved = reg.generate_bulletin(ctx, args.month, refresh=args.refresh)
            for w in saved.warnings:
                sys.stderr.write(f"提示：{w}\n")
            info = reg.get_type(ctx, saved.record.type_id)
            _emit(
                {
                    "id": saved.record.id,
                    "title": saved.record.title,
                    "stats": reg.bulletin_stats(saved.record),
                    "narrative": saved.record.values.get("narrative", ""),
                },
                args.json,
                lambda _d: _register_row_text(info, saved.record),
            )
        elif command == "decisions":
            items = reg.due_decisions(ctx, args.within)
            _emit(
                [
                    {
                        "record_id": d.record_id,
                        "index": d.index,
                        "meeting_on": d.meeting_on.isoformat() if d.meeting_on else None,
                        "content": d.content,
                        "owner": d.owner,
                        "due_on": d.due_on.isoformat(),
                        "deadline": d.deadline_label,
                    }
                    for d in items
                ],
                args.json,
                lambda rows: (
                    "\n".join(
                        f"{r['due_on']}（{r['deadline']}）{r['owner']}：{r['content']}"
                        for r in rows
                    )
                    or "近期没有到期的议定事项"
                ),
            )
        elif command == "type":
            if args.type_command == "add":
                info = reg.add_type(
                    ctx,
                    reg.TypeInput(
                        name=args.name,
                        period=args.period,
                        description=args.description,
                        orientation="portrait" if args.portrait else "landscape",
                    ),
                )
                print(
                    f"已添加台账：{info.name}（{info.key}），请继续用 register field add 添加栏目"
                )
            else:
                info = reg.get_type(ctx, args.key)
                reg.set_type_active(ctx, info.id, args.type_command == "enable")
                print(f"已{'启用' if args.type_command == 'enable' else '停用'}台账：{info.name}")
        elif command == "field":
            fi = reg.add_field(
                ctx,
                args.key,
                reg.FieldInput(
                    label=args.label,
                    type=args.type,
                    required=args.required,
                    help=args.help_text,
                    show_in_list=not args.no_list,
                    in_print=not args.no_print,
                    code_table=args.code_table,
                    choices=[c for c in re.split(r"[,，、]", args.choices or "") if c.strip()],
                    min=_number_arg(args.min, "--min"),
                    max=_number_arg(args.max, "--max"),
                    decimals=args.decimals,
                    unit=args.unit,
                    future=args.future,
                    open_end=args.open_end,
                    multiple=args.multiple,
                ),
            )
            print(f"已添加栏目：{fi.label}（{fi.type_label}，代码 {fi.key}）")
    return 0


def _number_arg(text: str | None, flag: str) -> float | int | None:
    if text in (None, ""):
        return None
    assert text is not None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError.single(flag, flag, f"“{text}”不是数字", "请填写数字") from None
    return int(value) if value.is_integer() else value


def _add_register_commands(sub: Any) -> None:
    from app.rules.registers import FIELD_TYPES, LOCAL_FIELD_TYPES, PERIODS

    s = sub.add_parser("register", help="台账（十个一）：列表、登记、打印、自定义台账")
    rsub = s.add_subparsers(dest="reg_command", metavar="子命令", required=True)

    r = rsub.add_parser("types", help="列出台账")
    r.add_argument("--all", action="store_true", help="包括已停用的台账")
    r.add_argument("--json", action="store_true")

    r = rsub.add_parser("fields", help="查看台账的栏目")
    r.add_argument("key", help="台账代码或名称，如 work_log 或 工作记录簿")
    r.add_argument("--json", action="store_true")

    def range_args(p: Any) -> None:
        p.add_argument("--from", dest="date_from", help="开始日期")
        p.add_argument("--to", dest="date_to", help="结束日期")
        p.add_argument("--period", help="期间：2026-03（月）、2026（年）、2026-03-16（日）")

    r = rsub.add_parser("list", help="列出台账记录")
    r.add_argument("key", help="台账代码或名称")
    range_args(r)
    r.add_argument("--text", help="按内容筛选")
    r.add_argument("--voided", action="store_true", help="包括已作废的记录")
    r.add_argument("--json", action="store_true")

    r = rsub.add_parser("show", help="查看一条记录")
    r.add_argument("id", help="记录ID")
    r.add_argument("--json", action="store_true")

    r = rsub.add_parser("add", help="登记一条记录")
    r.add_argument("key", help="台账代码或名称")
    r.add_argument(
        "--field",
        action="append",
        default=[],
        help="栏目名=值，可重复（附件写文件路径；明细表写 JSON 列表）",
    )
    r.add_argument("--json", action="store_true")

    r = rsub.add_parser("edit", help="修改一条记录（只改给出的栏目）")
    r.add_argument("id", help="记录ID")
    r.add_argument("--field", action="append", default=[], help="栏目名=值，可重复")
    r.add_argument("--json", action="store_true")

    r = rsub.add_parser("void", help="作废一条记录（保留痕迹）")
    r.add_argument("id", help="记录ID")
    r.add_argument("--reason", required=True, help="作废原因")

    r = rsub.add_parser("print", help="打印台账（PDF，默认本期）")
    r.add_argument("key", help="台账代码或名称")
    r.add_argument("--out", required=True, help="输出 PDF 文件")
    range_args(r)

    r = rsub.add_parser("bulletin", help="生成月通报（按当月统计数据）")
    r.add_argument("--month", required=True, help="月份，如 2026-03")
    r.add_argument("--refresh", action="store_true", help="按最新数据更新已有月通报的统计数字")
    r.add_argument("--json", action="store_true")

    r = rsub.add_parser("decisions", help="到期的会议议定事项")
    r.add_argument("--within", type=int, default=7, help="多少天内到期（默认7天，含已超期）")
    r.add_argument("--json", action="store_true")

    r = rsub.add_parser("type", help="本站自定义台账（站点管理员）")
    tsub = r.add_subparsers(dest="type_command", metavar="操作", required=True)
    t = tsub.add_parser("add", help="新增台账")
    t.add_argument("--name", required=True, help="台账名称，如“值班记录”")
    t.add_argument(
        "--period",
        default="monthly",
        choices=list(PERIODS),
        help="登记周期：" + "、".join(f"{k}={v}" for k, v in PERIODS.items()),
    )
    t.add_argument("--description", default="", help="说明")
    t.add_argument("--portrait", action="store_true", help="纵向打印（默认横向）")
    for action, label in (("disable", "停用台账"), ("enable", "启用台账")):
        t = tsub.add_parser(action, help=label)
        t.add_argument("key", help="台账代码或名称")

    r = rsub.add_parser("field", help="给台账添加栏目（站点管理员）")
    fsub = r.add_subparsers(dest="field_command", metavar="操作", required=True)
    f = fsub.add_parser("add", help="添加栏目")
    f.add_argument("key", help="台账代码或名称")
    f.add_argument("--label", required=True, help="栏目名称")
    f.add_argument(
        "--type",
        required=True,
        choices=list(LOCAL_FIELD_TYPES),
        help="类型：" + "、".join(f"{k}={FIELD_TYPES[k]}" for k in LOCAL_FIELD_TYPES),
    )
    f.add_argument("--required", action="store_true", help="必填")
    f.add_argument("--help-text", default="", help="填写说明")
    f.add_argument("--choices", default="", help="选项，用逗号分隔（选项类型）")
    f.add_argument("--code-table", default="", help="使用已有代码表（选项类型）")
    f.add_argument("--min", default=None, help="最小值（数字）")
    f.add_argument("--max", default=None, help="最大值（数字）")
    f.add_argument("--decimals", type=int, default=0, help="小数位数（数字）")
    f.add_argument("--unit", default="", help="单位（数字）")
    f.add_argument("--future", action="store_true", help="允许填写今天以后的日期")
    f.add_argument("--open-end", action="store_true", help="日期区间可不填结束日期")
    f.add_argument("--multiple", action="store_true", help="可填写多人（人员）")
    f.add_argument("--no-list", action="store_true", help="不在列表中显示")
    f.add_argument("--no-print", action="store_true", help="不打印该栏目")
    s.set_defaults(func=cmd_register)


# --- excel: import legacy ledgers, export any ledger (issue 9) ---------------------------


def _excel_import_text(data: dict[str, Any]) -> str:
    c = data["counts"]
    head = "试导入（未写入台账）" if data["dry_run"] else "导入完成"
    would = "可导入" if data["dry_run"] else "已导入"
    lines = [
        f"{head}：{data['ledger_title']}，文件“{data['file']}”工作表“{data['sheet']}”，表头在第{data['header_row']}行",
        "列对应："
        + "，".join(f"{m['column']}“{m['header']}”→{m['label']}" for m in data["mapping"]),
        f"{would} {c['valid']} 行，已存在 {c['duplicate']} 行，有问题 {c['invalid']} 行，跳过 {c['skipped']} 行",
    ]
    if data.get("groups"):
        lines.insert(2, "当事人分组：" + "；".join(data["groups"]))
    if c.get("updated"):
        lines[-1] += f"，{'可更新' if data['dry_run'] else '已更新'} {c['updated']} 行"
    history = sum(1 for r in data["valid"] if r.get("history"))
    if history:
        lines.append(
            f"其中 {history} 行早于本站启用日期，为历史记录：不计超期，未结的计为历史遗留"
            "（zongzhi excel go-live 查看或设置启用日期）"
        )
    if data.get("values"):
        lines.append("取值核对（每列每种写法：行数 → 导入为）：")
        for v in data["values"]:
            mark = "" if v["state"] in ("sure", "confirmed") else f"【{v['state_label']}】"
            target = v["code_label"] or "（无法对应）"
            why = f"（{v['why']}）" if v["why"] and mark else ""
            lines.append(
                f"  {v['column']}列“{v['header'] or v['label']}”：“{v['value']}” {v['count']}行"
                f" → {target} {mark}{why}".rstrip()
            )
        todo = [v for v in data["values"] if v["confirm"]]
        if todo:
            lines.append("需要确认的取值（确认后重新运行；试导入不会记住，正式导入后本站记住）：")
            lines += [f"  {v['confirm']}" for v in todo]
    if data["invalid"]:
        lines.append("有问题的行（未导入）：")
        for r in data["invalid"]:
            for p in r["problems"]:
                where = f"{p['column']}列“{p['header']}”" if p["column"] else "整行"
                fix = f"（{p['fix']}）" if p["fix"] else ""
                lines.append(f"  第{r['row']}行 {where}：{p['reason']}{fix}")
    if data.get("updated"):
        lines.append("已更新（后来的记载有新的结果）：" if not data["dry_run"] else "可更新：")
        lines += [f"  第{r['row']}行：{r['case_code']} {r['reason']}" for r in data["updated"]]
    if data["duplicates"]:
        lines.append("已存在（不重复导入）：")
        lines += [f"  第{r['row']}行：{r['reason']}" for r in data["duplicates"]]
    if data.get("report"):
        lines.append(f"校验报告已保存：{data['report']}")
    return "\n".join(lines)


def cmd_excel(args: argparse.Namespace) -> int:
    from app.services import excel_export as ex
    from app.services import excel_import as ei
    from app.services import excel_values as ev

    with _session(args) as ctx:
        if args.excel_command == "go-live":
            from app.rules.dates import parse_date
            from app.services import history

            if args.date:
                history.set_go_live_on(ctx, parse_date(args.date, "go_live_on", "启用日期"))
            day = history.go_live_on(ctx)
            print(f"本站启用日期：{day.isoformat()}（导入的此前事项为历史遗留，不计超期）")
            return 0
        if args.excel_command == "ledgers":
            imports = dict(ei.ledger_choices(ctx))
            rows = [
                {"key": k, "title": t, "import": k in imports}
                for k, t in ei.ledger_choices(ctx, purpose="export")
            ]
            _emit(
                rows,
                args.json,
                lambda r: "\n".join(
                    f"{x['key']}\t{x['title']}" + ("" if x["import"] else "\t（仅导出）") for x in r
                ),
            )
            return 0
        if args.excel_command == "export":
            result = ex.export_ledger(
                ctx, args.ledger, args.out, date_from=args.date_from, date_to=args.date_to
            )
            _emit(
                result.to_dict(),
                args.json,
                lambda r: (
                    f"已导出 {r['count']} 条记录：{r['title']} → {r['path']}"
                    + ("（身份证号已按权限遮蔽）" if r["id_numbers_masked"] else "")
                ),
            )
            return 0
        overrides = []
        for item in args.map:
            head, sep, target = item.partition("=")
            if not sep:
                raise ValidationError.single(
                    "map",
                    "--map",
                    f"“{item}”格式不对",
                    "请写成“表头=字段”，如 --map 受理时间=受理日期",
                )
            overrides.append((head, target))
        # --value 列名:原值=代码或名称: used for this run; remembered only by a real import
        value_options = [ev.parse_value_option(item) for item in args.value]
        book = ei.read_source(args.file)
        if not (args.sheet or overrides or args.header_row):
            return _excel_import_workbook(ctx, args, book, value_options)
        mapping = None
        confirmed = None
        if overrides or value_options:
            ins = ei.inspect_source(
                ctx, book, args.ledger, sheet=args.sheet, header_row=args.header_row
            )
            if overrides:
                mapping = ei.mapping_with_overrides(ctx, ins, overrides)
            confirmed = ev.resolve_value_options(ctx, ins, value_options, mapping)
        report = ei.run_import(
            ctx,
            args.file,
            args.ledger,
            sheet=args.sheet,
            header_row=args.header_row,
            mapping=mapping,
            dry_run=args.dry_run,
            book=book,
            confirmed=confirmed,
        )
        data = report.to_dict()
        if args.report:
            data["report"] = str(ex.write_import_report(report, args.report))
        _emit(data, args.json, _excel_import_text)
        if report.invalid and not args.json:
            sys.stderr.write(
                f"提示：有 {len(report.invalid)} 行有问题未导入，请修改原表后重新导入\n"
            )
    return 0


def _excel_import_workbook(
    ctx: Any, args: argparse.Namespace, book: Any, value_options: list[tuple[str, str, str]]
) -> int:
    """Every sheet that looks like the ledger, month sheets in order, reported per sheet."""
    from app.services import excel_export as ex
    from app.services import excel_import as ei
    from app.services import excel_values as ev

    confirmed = None
    if value_options:  # checked against the first sheet that looks like the ledger
        ins = ei.inspect_source(ctx, book, args.ledger)
        confirmed = ev.resolve_value_options(ctx, ins, value_options)
    wb = ei.run_workbook_import(
        ctx, args.file, args.ledger, dry_run=args.dry_run, book=book, confirmed=confirmed
    )
    reports = wb.reports
    data = wb.to_dict()
    if len(reports) == 1:  # one ledger sheet: its details at the top, as for --sheet
        data = {**reports[0].to_dict(), "sheets": data["sheets"], "counts": data["counts"]}
    if args.report:
        data["report"] = str(ex.write_import_report(reports, args.report))

    def text(d: dict[str, Any]) -> str:
        if len(reports) == 1:
            out = _excel_import_text(d)
        else:
            head = "试导入（未写入台账）" if wb.dry_run else "导入完成"
            parts = [f"{head}：{wb.ledger_title}，文件“{wb.file}”，{len(reports)} 个工作表"]
            for rep in reports:
                sheet_text = _excel_import_text(rep.to_dict()).splitlines()[1:]
                parts.append(f"工作表“{rep.sheet}”（表头在第{rep.header_row}行）：")
                parts += ["  " + line for line in sheet_text]
            if d.get("report"):
                parts.append(f"校验报告已保存：{d['report']}")
            out = "\n".join(parts)
        return out + "\n按工作表：\n" + "\n".join("  " + x for x in wb.summary_lines())

    _emit(data, args.json, text)
    invalid = sum(len(r.invalid) for r in reports)
    if invalid and not args.json:
        sys.stderr.write(f"提示：有 {invalid} 行有问题未导入，请修改原表后重新导入\n")
    return 0


def _add_excel_commands(sub: Any) -> None:
    s = sub.add_parser("excel", help="Excel：导入历史台账、导出台账")
    esub = s.add_subparsers(dest="excel_command", metavar="子命令", required=True)
    e = esub.add_parser("import", help="导入历史台账（.xlsx/.csv），先用 --dry-run 试导入")
    e.add_argument("file", help="Excel 文件（.xlsx）或 CSV 文件")
    e.add_argument(
        "--ledger", required=True, help="台账：disputes（矛盾纠纷）、visits（来信来访）或台账代码"
    )
    e.add_argument(
        "--sheet",
        help="只导入这个工作表（默认：导入所有像该台账的工作表，月份表按月份顺序）",
    )
    e.add_argument("--header-row", type=int, help="表头所在行号（默认：自动识别）")
    e.add_argument(
        "--map",
        action="append",
        default=[],
        help="指定列对应“表头=字段”（或“D=字段”、“表头=不导入”），可重复",
    )
    e.add_argument(
        "--value",
        action="append",
        default=[],
        help="确认或更改取值的对应“列名:原表写法=代码或名称”（正式导入后本站记住，试导入不记），"
        "如 纠纷类型:山林权属=山林土地、调处结果:基本化解=调处中",
    )
    e.add_argument("--dry-run", action="store_true", help="试导入：只校验并显示结果，不写入台账")
    e.add_argument("--report", help="把校验报告保存为 Excel 文件")
    e.add_argument("--json", action="store_true", help="输出 JSON")
    e = esub.add_parser("export", help="导出台账为 Excel（台账格式）")
    e.add_argument("--ledger", required=True, help="台账：disputes、visits 或台账代码")
    e.add_argument("--out", required=True, help="输出文件（.xlsx）")
    e.add_argument("--from", dest="date_from", help="起始日期（含）")
    e.add_argument("--to", dest="date_to", help="截止日期（含）")
    e.add_argument("--json", action="store_true", help="输出 JSON")
    e = esub.add_parser(
        "go-live", help="查看或设置本站启用日期（导入的此前事项为历史遗留，不计超期）"
    )
    e.add_argument("date", nargs="?", help="启用日期，如 2026-01-01（站点管理员）")
    e = esub.add_parser("ledgers", help="列出可导入、导出的台账")
    e.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(func=cmd_excel)


# --- printing (文书打印) ------------------------------------------------------------------------


def _print_list_text(rows: list[dict[str, Any]]) -> str:
    width = max(len(r["name"]) for r in rows) + 2
    lines = ["可打印的文书（zongzhi print 文书名 …）：", ""]
    for r in rows:
        lines.append(f"  {r['name']:<{width}}{r['title']}（{r['kind_label']}；{r['needs']}）")
    return "\n".join(lines)


def cmd_print(args: argparse.Namespace) -> int:
    from app.print import FORMS, KIND_LABELS, get_form, render
    from app.print.spec import TARGET_HINTS

    if args.list:
        rows = [
            {
                "name": spec.cli_name,
                "key": spec.key,
                "title": spec.title,
                "kind": spec.kind,
                "kind_label": "、".join(KIND_LABELS.get(k, k) for k in spec.kinds),
                "needs": {
                    "record": "--id 案件编码或记录编号",
                    "period": "--from 日期 --to 日期",
                    "month": "--month 年-月",
                }[spec.target],
                "description": spec.description,
            }
            for spec in FORMS.values()
        ]
        _emit(rows, args.json, _print_list_text)
        if not args.json:
            from app.print.fonts import get_fonts

            used = get_fonts().describe()
            print(f"\n字体：正文 {used['body']}；标题 {used['title']}；黑体 {used['heading']}")
        return 0
    if not args.form:
        raise ValidationError.single(
            "form",
            "文书",
            "未指定",
            "请写明要打印的文书，如 zongzhi print agreement --id 编码；用 --list 查看全部",
        )
    spec = get_form(args.form)
    if spec.target == "record":
        ref = args.id or ""
        if not ref.strip():
            raise ValidationError.single(
                "id", "--id", "未填写", f"请用 --id 指定{TARGET_HINTS['record']}"
            )
    elif spec.target == "period":
        if args.month:
            ref = args.month
        elif args.date_from or args.date_to:
            if not (args.date_from and args.date_to):
                raise ValidationError.single(
                    "from", "--from/--to", "需要同时填写", "如 --from 2026-01-01 --to 2026-03-31"
                )
            ref = f"{args.date_from}~{args.date_to}"
        else:
            ref = args.id or ""
        if not ref.strip():
            raise ValidationError.single(
                "from", "期间", "未填写", "请用 --from 和 --to 指定起止日期，或 --month 2026-03"
            )
    else:
        ref = args.month or args.id or ""
        if not ref.strip():
            raise ValidationError.single(
                "month", "--month", "未填写", "请用 --month 指定月份，如 2026-03"
            )
    if not args.out:
        raise ValidationError.single(
            "out", "--out", "未填写", "请用 --out 指定输出的 PDF 文件，如 --out 协议书.pdf"
        )
    options: dict[str, Any] = {}
    if args.narrative_file:
        options["narrative"] = Path(args.narrative_file).read_text(encoding="utf-8")
    elif args.narrative:
        options["narrative"] = args.narrative
    if args.issue_no:
        options["issue_no"] = args.issue_no
    with _session(args) as ctx:
        pdf = render(spec.key, ctx, ref, options)
    out = Path(args.out)
    out.write_bytes(pdf)
    pages = len(re.findall(rb"/Type /Page[^s]", pdf))
    print(f"已生成：{out}（{spec.title}，共 {pages} 页）")
    return 0


def _add_print_commands(sub: Any) -> None:
    s = sub.add_parser(
        "print",
        help="打印文书和台账（PDF）：协议书、申请书、回执、台账、月通报…（--list 查看全部）",
    )
    s.add_argument("form", nargs="?", help="文书名称，如 agreement、visit-ledger（见 --list）")
    s.add_argument("--id", help="案件编码（一案一码）或记录编号")
    s.add_argument("--out", help="输出的 PDF 文件")
    s.add_argument("--from", dest="date_from", help="台账起始日期（含）")
    s.add_argument("--to", dest="date_to", help="台账截止日期（含）")
    s.add_argument("--month", help="月份，如 2026-03（月通报、按月打印台账）")
    s.add_argument("--narrative", help="月通报正文")
    s.add_argument("--narrative-file", help="月通报正文（UTF-8 文本文件）")
    s.add_argument("--issue-no", type=int, help="月通报期数")
    s.add_argument("--list", action="store_true", help="列出全部可打印的文书")
    s.add_argument("--json", action="store_true", help="与 --list 一起：输出 JSON")
    s.set_defaults(func=cmd_print)


# --- sync: station cards, bundles, acknowledgements, supervision (DESIGN §5) ---------------


def _sync_passphrase_prompt() -> None:
    """On a terminal, ask for the file keystore's passphrase when the environment lacks it."""
    if not sys.stdin.isatty():
        return
    from app.sync.passphrase import set_passphrase_provider

    def ask(prompt: str, creating: bool) -> str | None:
        first = getpass.getpass(prompt + "：")
        if creating and getpass.getpass("请再输入一次：") != first:
            sys.stderr.write("两次输入的口令不一致\n")
            return None
        return first

    set_passphrase_provider(ask)


def _keystore_warning(db: Database) -> None:
    from app.sync.keys import key_info

    info = key_info(db)
    if info is not None and info.warning:
        sys.stderr.write(f"提示：{info.warning}\n")


def _local_time(moment: Any) -> str:
    from app.rules.dates import CHINA_TZ

    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "—"


def cmd_card(args: argparse.Namespace) -> int:
    from app.sync import cards
    from app.sync.keys import renew_station_keys

    _sync_passphrase_prompt()
    if args.card_command == "show":
        card = cards.read_card(Path(args.file))
        _emit(
            cards.card_dict(card),
            args.json,
            lambda c: f"{c['name']}（{c['code']}，{c['level_label']}）\n指纹：{c['fingerprint']}",
        )
        return 0
    with _session(args) as ctx:
        if args.card_command == "export":
            path, fp = cards.export_card(ctx, Path(args.out))
            _keystore_warning(ctx.db)
            _emit(
                {"file": str(path), "fingerprint": fp},
                args.json,
                lambda r: (
                    f"已导出工作站卡片：{r['file']}\n指纹：{r['fingerprint']}（请电话告知对方核对）"
                ),
            )
        elif args.card_command == "import":
            card = cards.read_card(Path(args.file))
            expect = args.fingerprint
            if expect is None and not args.yes:
                if not sys.stdin.isatty():
                    raise ValidationError.single(
                        "fingerprint",
                        "指纹",
                        "未核对",
                        f"请与对方电话核对指纹（本卡片为 {card.fingerprint}），"
                        "然后加 --fingerprint 指纹 或 --yes 再导入",
                    )
                print(f"{card.name}（{card.code}，{card.level_label}）")
                print(f"指纹：{card.fingerprint}")
                answer = input("请与对方电话核对指纹，一致请输入 y：")
                if answer.strip().lower() not in ("y", "yes", "是"):
                    print("已取消，未配对")
                    return 1
            result = cards.import_card(ctx, card, expect_fingerprint=expect, replace=args.replace)
            _emit(
                {**cards.card_dict(card), "relation": result.relation, "status": result.status},
                args.json,
                lambda _r: result.message,
            )
        elif args.card_command == "list":
            rows = [
                {
                    "code": p.station_code,
                    "name": p.name,
                    "relation": "上级" if p.relation == "parent" else "下级",
                    "fingerprint": p.fingerprint,
                    "paired_at": _local_time(p.paired_at),
                    "last_import_at": _local_time(p.last_import_at),
                }
                for p in cards.peers(ctx)
            ]
            _emit(
                rows,
                args.json,
                lambda r: (
                    "\n".join(
                        f"{x['relation']} {x['code']} {x['name']}  指纹 {x['fingerprint']}  最近导入 {x['last_import_at']}"
                        for x in r
                    )
                    or "尚未与任何工作站配对"
                ),
            )
        elif args.card_command == "remove":
            peer = cards.unpair(ctx, args.code)
            print(f"已解除与 {peer.name}（{peer.station_code}）的配对，其已导入的记录仍保留")
        elif args.card_command == "renew":
            ctx.require("sync.pair")
            if not args.yes:
                raise ValidationError.single(
                    "yes", "确认", "更换密钥后上下级须重新交换卡片", "确认无误后加 --yes 再执行"
                )
            info = renew_station_keys(ctx.db)
            print(
                f"已生成新的同步密钥，新指纹：{info.fingerprint}；请导出新卡片交上级和下级重新配对"
            )
    return 0


def _import_text(results: list[Any]) -> str:
    lines: list[str] = []
    for r in results:
        head = {"imported": "✓", "duplicate": "＝", "dry_run": "…", "rejected": "✗"}[r.status]
        lines.append(f"{head} {Path(r.path).name}：{r.message}")
        summary = r.summary or {}
        if r.status in ("imported", "dry_run"):
            for t in summary.get("tables", {}).values():
                lines.append(
                    f"    {t['label']}：新增 {t['new']}，更新 {t['updated']}，未变 {t['unchanged']}，拒收 {t['rejected']}"
                )
            for rej in summary.get("rejected", [])[:20]:
                lines.append(f"    拒收 {rej['label']} {rej['ref']}：{rej['reason']}")
            for notice in summary.get("notices", []):
                lines.append(f"    提示：{notice}")
            peer = summary.get("peer_summary") or {}
            for rej in peer.get("rejected", [])[:20]:
                lines.append(f"    上级拒收 {rej['label']} {rej['ref']}：{rej['reason']}")
        if r.ack_path:
            lines.append(f"    回执已写入：{r.ack_path}（请交对方导入）")
    return "\n".join(lines)


def cmd_bundle(args: argparse.Namespace) -> int:
    from app.sync.bundle import export_bundle, issue_ack
    from app.sync.importer import import_files

    _sync_passphrase_prompt()
    db = _open(args)
    ctx = _ctx(args, db)
    code = 0
    try:
        if args.bundle_command == "export":
            res = export_bundle(ctx, Path(args.out), to=args.to, full=args.full)
            _keystore_warning(db)
            for notice in res.notices:
                sys.stderr.write(f"提示：{notice}\n")
            _emit(
                res.as_dict(),
                args.json,
                lambda r: (
                    f"已导出同步包：{r['file']}\n发往 {r['recipient']['name']}（{r['recipient']['code']}），"
                    f"共 {r['record_count']} 条记录，{r['size'] // 1024 + 1} KB"
                ),
            )
        elif args.bundle_command in ("import", "ack"):
            if args.bundle_command == "ack" and args.issue:
                if not args.to or not args.out:
                    raise ValidationError.single(
                        "to", "--to / --out", "未指定", "重新生成回执须指定对方代码和输出位置"
                    )
                res = issue_ack(ctx, args.to, Path(args.out))
                _emit(
                    res.as_dict(), args.json, lambda r: f"已生成回执：{r['file']}（请交对方导入）"
                )
                return 0
            if not args.files:
                raise ValidationError.single("files", "文件", "未指定", "请给出要导入的文件")
            kind = "ack" if args.bundle_command == "ack" else None
            results = import_files(
                ctx, [Path(f) for f in args.files], dry_run=args.dry_run, expect_kind=kind
            )
            if args.bundle_command == "import" and not args.dry_run and not args.no_ack:
                for r in results:
                    if r.kind == "bundle" and r.verified and (r.ok or r.reason in ("gap", "stale")):
                        where = Path(args.ack_dir) if args.ack_dir else Path(r.path).parent
                        r.ack_path = issue_ack(ctx, r.sender_code, where).path
            _emit([r.as_dict() for r in results], args.json, lambda _d: _import_text(results))
            for r in results:
                if r.status == "rejected":
                    sys.stderr.write(f"错误：{Path(r.path).name}：{r.message}\n")
                    code = 1
            for r in results:
                if r.refused_count:
                    sys.stderr.write(
                        f"注意：{Path(r.path).name}：有 {r.refused_count} 条记录被拒收（原因见上），"
                        f"其余已导入；导出拒收清单：zongzhi bundle show {r.log_id} "
                        "--refused-csv 拒收清单.csv\n"
                    )
                    if code == 0:
                        code = EXIT_RECORDS_REFUSED
        elif args.bundle_command == "recovery":
            from app.sync.recovery import export_recovery

            info = export_recovery(ctx, args.station, Path(args.out))
            _emit(
                info,
                args.json,
                lambda r: (
                    f"已生成恢复包：{r['file']}（{r['records']} 条记录），请交工作站 {r['station']} "
                    "在新安装的程序中选择“从乡镇恢复本站台账”导入"
                    + (
                        f"\n注意：{r['lost_text']} 的改动本站从未收到，无法恢复"
                        if r["lost"]
                        else ""
                    )
                ),
            )
        elif args.bundle_command == "inspect":
            from app.sync.importer import inspect_bundle

            info = inspect_bundle(ctx, Path(args.file), Path(args.out))
            _emit(
                info,
                args.json,
                lambda r: (
                    f"已写入核查文件：{r['file']}（"
                    + "，".join(f"{k} {v} 条" for k, v in r["counts"].items())
                    + "）。文件含个人信息，核查后请删除"
                ),
            )
        elif args.bundle_command == "log":
            from app.sync.status import history

            rows = history(db, limit=args.limit, peer=args.peer)
            _emit(
                [
                    {
                        "id": h.id,
                        "at": _local_time(h.at),
                        "direction": h.direction_label,
                        "kind": h.kind_label,
                        "peer": f"{h.peer_name}（{h.peer_code}）",
                        "status": h.status_label,
                        "records": h.record_count,
                        "file": h.file_name,
                        "message": h.message,
                        "totals": h.totals,
                    }
                    for h in rows
                ],
                args.json,
                lambda d: (
                    "\n".join(
                        f"{x['at']} {x['direction']}{x['kind']} {x['peer']} {x['status']} {x['records']}条 {x['message']}  [{x['id']}]"
                        for x in d
                    )
                    or "暂无同步记录"
                ),
            )
        elif args.bundle_command == "show":
            from app.sync.status import log_summary

            try:
                summary = log_summary(db, args.id)
            except KeyError:
                raise ValidationError.single(
                    "id", "记录编号", f"“{args.id}”不存在", "请用 zongzhi bundle log 查看编号"
                ) from None
            if args.refused_csv:
                from app.sync.refusals import write_refused_csv

                n = write_refused_csv(summary, Path(args.refused_csv))
                print(f"已导出拒收清单：{args.refused_csv}（{n} 条）")
            if args.pdf:
                from app.print.sync_summary import import_summary_pdf

                Path(args.pdf).write_bytes(
                    import_summary_pdf(summary, station_name=ctx.station.name)
                )
                print(f"已生成导入情况表：{args.pdf}")
            elif not args.refused_csv:
                _emit(summary, args.json, lambda s: json.dumps(s, ensure_ascii=False, indent=2))
        elif args.bundle_command == "status":
            from app.sync.status import sync_status

            st = sync_status(db)
            data = {
                "station": st.station_code,
                "epoch": st.epoch,
                "fingerprint": st.keys.fingerprint if st.keys else None,
                "keystore": st.keys.store if st.keys else None,
                "keystore_warning": st.keystore_warning,
                "pending_up": st.pending_up,
                "pending_label": st.pending_label,
                "peers": [
                    {
                        "code": p.code,
                        "name": p.name,
                        "relation": p.relation_label,
                        "pending": p.pending,
                        "held": p.held,
                        "last_import_at": _local_time(p.last_import_at),
                        "last_export_at": _local_time(p.last_export_at),
                    }
                    for p in st.peers
                ],
                "last_error": st.last_error.message if st.last_error else "",
            }
            _emit(
                data,
                args.json,
                lambda d: "\n".join(
                    [
                        f"本站 {d['station']}  密钥指纹 {d['fingerprint'] or '（未创建）'}  {d['pending_label']}"
                    ]
                    + [
                        f"  {p['relation']} {p['code']} {p['name']}：待确认 {p['pending']} 条，最近导入 {p['last_import_at']}，最近导出 {p['last_export_at']}"
                        for p in d["peers"]
                    ]
                    + ([f"  最近错误：{d['last_error']}"] if d["last_error"] else [])
                ),
            )
    finally:
        ctx.close()
        db.close()
    return code


def _supervision_row(v: Any) -> dict[str, Any]:
    s = v.record
    return {
        "id": s.id,
        "supervision_no": s.supervision_no,
        "kind": v.kind_label,
        "case_code": s.case_code,
        "case_title": s.case_title,
        "station": v.station_name,
        "due_on": s.due_on.isoformat() if s.due_on else None,
        "status": v.state_label,
        "responsible_unit": s.responsible_unit,
        "responsible_person": s.responsible_person,
        "feedback_count": v.feedback_count,
        "latest_feedback": v.latest_feedback.content if v.latest_feedback else "",
    }


def cmd_supervise(args: argparse.Namespace) -> int:
    from app.services import supervision as sv

    with _session(args) as ctx:
        if args.sup_command == "add":
            sup = sv.create_supervision(
                ctx,
                sv.SupervisionInput(
                    case=args.case,
                    kind=args.kind,
                    content=args.content,
                    requirement=args.requirement,
                    lead_name=args.lead,
                    responsible_unit=args.unit,
                    responsible_person=args.person,
                    measures=args.measures,
                    due_on=args.due,
                    supervisor_name=args.supervisor,
                ),
            )
            _emit(
                {"id": sup.id, "supervision_no": sup.supervision_no, "case_code": sup.case_code},
                args.json,
                lambda r: (
                    f"已下发 {r['supervision_no']}（案件 {r['case_code']}），将随下一个回执送达该站"
                ),
            )
        elif args.sup_command == "list":
            views = sv.list_supervisions(
                ctx, station=args.station, status=args.status, overdue_only=args.overdue
            )
            _emit(
                [_supervision_row(v) for v in views],
                args.json,
                lambda rows: (
                    "\n".join(
                        f"{r['supervision_no']} {r['kind']} {r['case_code']} {r['station']} 时限 {r['due_on'] or '—'} {r['status']}"
                        for r in rows
                    )
                    or "暂无督办记录"
                ),
            )
        elif args.sup_command == "close":
            sup = sv.close_supervision(ctx, args.no, args.note)
            print(f"已办结 {sup.supervision_no}")
        elif args.sup_command == "withdraw":
            sup = sv.withdraw_supervision(ctx, args.no, args.reason)
            print(f"已撤销 {sup.supervision_no}")
        elif args.sup_command == "feedback":
            fb = sv.add_feedback(
                ctx,
                args.no,
                sv.FeedbackInput(
                    progress=args.progress, content=args.content, responded_on=args.on
                ),
            )
            print(f"已反馈 {fb.supervision_no}，将随下一个同步包报送上级")
    return 0


def _add_sync_commands(sub: Any) -> None:
    s = sub.add_parser("card", help="工作站卡片：配对上下级")
    csub = s.add_subparsers(dest="card_command", metavar="子命令", required=True)
    c = csub.add_parser("export", help="导出本站卡片（首次使用时自动创建密钥）")
    c.add_argument("--out", required=True, help="输出文件或文件夹（如U盘）")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("import", help="导入对方卡片并配对（须先电话核对指纹）")
    c.add_argument("file", help="对方的工作站卡片（.zzc）")
    c.add_argument("--fingerprint", help="电话核对得到的对方指纹（不一致则拒绝）")
    c.add_argument("--yes", action="store_true", help="已人工核对指纹")
    c.add_argument("--replace", action="store_true", help="对方更换了密钥：用新卡片替换")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("show", help="查看卡片及指纹（不导入）")
    c.add_argument("file")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("list", help="已配对的工作站")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("remove", help="解除配对")
    c.add_argument("code", help="对方区划代码")
    c = csub.add_parser("renew", help="重新生成本站密钥（更换电脑、密钥丢失或泄露时）")
    c.add_argument("--yes", action="store_true", help="确认更换")
    s.set_defaults(func=cmd_card)

    s = sub.add_parser("bundle", help="同步包：导出、导入、回执")
    bsub = s.add_subparsers(dest="bundle_command", metavar="子命令", required=True)
    b = bsub.add_parser("export", help="导出同步包（自上次回执以来的全部变更）")
    b.add_argument("--out", required=True, help="输出文件或文件夹（如U盘）")
    b.add_argument("--to", help="接收方区划代码（默认：上级）")
    b.add_argument("--full", action="store_true", help="导出全部记录（对方提示缺少变更时）")
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser("import", help="导入同步包（可一次多个），并生成回执")
    b.add_argument("files", nargs="+", help="同步包文件（.zzb）")
    b.add_argument("--dry-run", action="store_true", help="只预检，不写入台账")
    b.add_argument("--ack-dir", help="回执写入的文件夹（默认：同步包所在文件夹）")
    b.add_argument("--no-ack", action="store_true", help="不生成回执")
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser("ack", help="导入上级回执；或 --issue 重新生成给下级的回执")
    b.add_argument("files", nargs="*", help="回执文件（.zza）")
    b.add_argument("--issue", action="store_true", help="重新生成回执")
    b.add_argument("--to", help="回执接收方区划代码（与 --issue 一起用）")
    b.add_argument("--out", help="回执输出文件或文件夹（与 --issue 一起用）")
    b.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser(
        "inspect", help="核查同步包内容（验证并解密，不导入），写入单独的 SQLite 文件"
    )
    b.add_argument("file", help="发给本站的同步包或回执")
    b.add_argument("--out", required=True, help="核查文件（.sqlite3，不得已存在）")
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser("recovery", help="为重新安装的下级生成恢复包（其全部记录，供其恢复台账）")
    b.add_argument("--station", required=True, help="下级工作站的区划代码（须已重新配对）")
    b.add_argument("--out", required=True, help="恢复包输出文件或文件夹（如U盘）")
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser("log", help="同步记录（导出、导入、拒绝）")
    b.add_argument("--peer", help="只看某个工作站")
    b.add_argument("--limit", type=int, default=50)
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser("show", help="查看或打印一次导入的情况表")
    b.add_argument("id", help="同步记录编号（见 bundle log）")
    b.add_argument("--pdf", help="输出为 PDF 文件")
    b.add_argument("--refused-csv", help="把拒收记录清单（案件编码、类别、原因）导出为 CSV 文件")
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser("status", help="同步状态：待确认变更、最近导入导出")
    b.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_bundle)

    s = sub.add_parser("supervise", help="督办、交办、批注及反馈")
    ssub = s.add_subparsers(dest="sup_command", metavar="子命令", required=True)
    a = ssub.add_parser("add", help="对下级案件督办/交办/批注（六定）")
    a.add_argument("--case", required=True, help="案件编码")
    a.add_argument("--kind", default="督办", help="督办 / 交办 / 批注")
    a.add_argument("--content", required=True, help="督办事项")
    a.add_argument("--requirement", default="", help="办理及反馈要求")
    a.add_argument("--lead", default="", help="包案领导")
    a.add_argument("--unit", default="", help="责任单位")
    a.add_argument("--person", default="", help="责任人")
    a.add_argument("--measures", default="", help="化解措施")
    a.add_argument("--due", default="", help="办理时限（日期）")
    a.add_argument("--supervisor", default="", help="督办人（默认：当前操作员）")
    a.add_argument("--json", action="store_true")
    a = ssub.add_parser("list", help="督办记录")
    a.add_argument("--station", help="只看某个工作站")
    a.add_argument("--status", choices=["open", "closed", "withdrawn"])
    a.add_argument("--overdue", action="store_true", help="只看超期未办结的")
    a.add_argument("--json", action="store_true")
    a = ssub.add_parser("close", help="办结督办")
    a.add_argument("no", help="督办编号")
    a.add_argument("--note", default="", help="办结意见")
    a = ssub.add_parser("withdraw", help="撤销督办")
    a.add_argument("no", help="督办编号")
    a.add_argument("--reason", required=True, help="撤销理由")
    a = ssub.add_parser("feedback", help="（村）反馈督办办理情况")
    a.add_argument("no", help="督办编号")
    a.add_argument("--progress", default="in_progress", help="正在办理 / 已办结 / 需上级协调")
    a.add_argument("--content", required=True, help="办理情况")
    a.add_argument("--on", default="", help="反馈日期")
    s.set_defaults(func=cmd_supervise)


def cmd_report(args: argparse.Namespace) -> int:
    from app.services import reporting
    from app.services.stats import compute
    from app.services.stats_export import comparison_table, export_xlsx

    with _session(args) as ctx:
        if args.report_command == "monthly":
            return _report_monthly(args, ctx)
        if args.report_command == "compare":
            cmp = reporting.compare(ctx, args.month)
            if args.xlsx:
                export_xlsx(Path(args.xlsx), ctx.station.name, [comparison_table(cmp)])
            table = comparison_table(cmp)
            _emit(
                {k: v for k, v in cmp.items() if k != "rollup_detail"},
                args.json,
                lambda _r: "\n".join(
                    "\t".join(str(x) for x in row) for row in [table.columns, *table.rows]
                ),
            )
        elif args.report_command == "not-reported":
            data = reporting.not_reported(ctx, args.month)
            _emit(
                data,
                args.json,
                lambda r: (
                    "本月未报送月报："
                    + ("、".join(x["name"] for x in r["month"]) or "无")
                    + "\n七日内未同步："
                    + ("、".join(x["name"] for x in r["week"]) or "无")
                ),
            )
        elif args.report_command == "overdue":
            items = reporting.overdue_items(ctx, include_own=not args.villages_only)
            rows = [
                {
                    "case_code": i.case_code,
                    "station": i.station_name,
                    "title": i.title,
                    "status": i.status_label,
                    "due_on": i.due_on.isoformat(),
                    "days_overdue": i.days_overdue,
                    "supervised": i.supervised,
                }
                for i in items
            ]
            _emit(
                rows,
                args.json,
                lambda r: (
                    "\n".join(
                        f"{x['case_code']}\t{x['station']}\t超期{x['days_overdue']}天\t{x['status']}"
                        f"\t{'已督办' if x['supervised'] else '未督办'}\t{x['title']}"
                        for x in r
                    )
                    or "没有超期事项"
                ),
            )
        elif args.report_command == "supervise":
            from app.services.supervision import SupervisionInput, create_supervision

            case = __import__("app.services.cases", fromlist=["find_case"]).find_case(
                ctx, args.case
            )
            draft = reporting.supervision_draft(ctx, case.id)
            for key in ("lead_name", "responsible_person", "responsible_unit", "due_on", "content"):
                value = getattr(args, key)
                if value:
                    draft[key] = value
            sup = create_supervision(ctx, SupervisionInput(**draft))
            out = f"已督办：{sup.supervision_no}（{sup.case_code}，办理时限 {sup.due_on}）"
            if args.out:
                from app.print import render

                Path(args.out).write_bytes(render("supervision_notice", ctx, sup.id))
                out += f"；督办通知书：{args.out}"
            print(out)
        else:  # stats of one station for scripts
            _emit(compute(ctx, args.month), True, str)
    return 0


def _report_monthly(args: argparse.Namespace, ctx: Any) -> int:
    from app.services import reporting

    if args.submit:
        saved = reporting.submit_monthly_report(
            ctx, args.month, note=args.note or "", confirm_zero=args.zero
        )
        for w in saved.warnings:
            sys.stderr.write(f"提示：{w}\n")
        kind = "零报告" if saved.record.is_zero else "月报"
        print(f"已提交{args.month}{kind}（第{saved.record.version}版），随下次同步上报")
    if args.out:
        from app.print import render

        options: dict[str, Any] = {}
        if args.narrative_file:
            options["narrative"] = Path(args.narrative_file).read_text(encoding="utf-8")
        Path(args.out).write_bytes(render("month_report", ctx, args.month, options))
        print(f"已生成月通报：{args.out}")
    if not args.submit and not args.out:
        raise ValidationError.single(
            "out", "输出", "未指定", "请用 --out F.pdf 生成月通报，或 --submit 提交月报"
        )
    return 0


def cmd_screening(args: argparse.Namespace) -> int:
    from app.services.reporting import ScreeningInput, list_screenings, record_screening

    with _session(args) as ctx:
        if args.screening_command == "add":
            row = record_screening(
                ctx,
                ScreeningInput(
                    held_on=args.on,
                    kind=args.kind,
                    scope=args.scope,
                    participants=args.participants,
                    found_count=args.found,
                    resolved_count=args.resolved,
                    findings=args.findings,
                ),
            )
            print(f"已登记排查：{row.held_on}，发现纠纷 {row.found_count} 件")
        else:
            rows = [
                {
                    "held_on": r.held_on.isoformat(),
                    "kind": r.kind,
                    "scope": r.scope,
                    "found": r.found_count,
                    "resolved": r.resolved_count,
                }
                for r in list_screenings(ctx, args.month)
            ]
            _emit(
                rows,
                args.json,
                lambda r: (
                    "\n".join(
                        f"{x['held_on']}\t{x['scope']}\t发现{x['found']}\t化解{x['resolved']}"
                        for x in r
                    )
                    or "暂无排查记录"
                ),
            )
    return 0


def _add_report_commands(sub: Any) -> None:
    s = sub.add_parser("report", help="月报、月通报、各村对比、未报送、超期督办")
    rsub = s.add_subparsers(dest="report_command", metavar="子命令", required=True)
    r = rsub.add_parser(
        "monthly", help="生成月通报 PDF；--submit 提交月报（无事项须加 --zero 零报告）"
    )
    r.add_argument("--month", required=True, help="月份，如 2026-03")
    r.add_argument("--out", help="月通报 PDF 文件")
    r.add_argument("--narrative-file", help="通报正文（文本文件，可选）")
    r.add_argument("--submit", action="store_true", help="提交本站月报（随同步上报）")
    r.add_argument("--zero", action="store_true", help="确认本月无事项，作零报告")
    r.add_argument("--note", help="月报备注")
    r = rsub.add_parser("compare", help="乡镇：各村（社区）对比与合计")
    r.add_argument("--month", required=True)
    r.add_argument("--json", action="store_true")
    r.add_argument("--xlsx", help="导出为 Excel")
    r = rsub.add_parser("not-reported", help="乡镇：未报送月报、七日内未同步的村")
    r.add_argument("--month", required=True)
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("overdue", help="超期未办结事项（含各村）")
    r.add_argument("--villages-only", action="store_true", help="只看下级工作站的事项")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("supervise", help="乡镇：一键督办超期事项并生成督办通知书")
    r.add_argument("case", help="案件编码")
    r.add_argument("--lead-name", default="", help="包案领导")
    r.add_argument("--responsible-unit", default="", help="责任单位（默认：案件所属工作站）")
    r.add_argument("--responsible-person", default="", help="责任人（默认：调解员/首问责任人）")
    r.add_argument("--due-on", default="", help="办理时限（默认：7日后）")
    r.add_argument("--content", default="", help="督办事项（默认自动生成）")
    r.add_argument("--out", help="督办通知书 PDF")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("screening", help="矛盾纠纷排查登记")
    ssub = s.add_subparsers(dest="screening_command", metavar="子命令", required=True)
    a = ssub.add_parser("add", help="登记一次排查")
    a.add_argument("--on", default=None, help="排查日期（默认今天）")
    a.add_argument("--kind", default="routine", help="日常排查/集中排查/专项排查")
    a.add_argument("--scope", required=True, help="排查范围")
    a.add_argument("--participants", default="", help="参加人员")
    a.add_argument("--found", default="0", help="发现纠纷数")
    a.add_argument("--resolved", default="0", help="当场化解数")
    a.add_argument("--findings", default="", help="排查情况")
    a = ssub.add_parser("list", help="排查记录")
    a.add_argument("--month", default=None)
    a.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_screening)


# --- network sync: the township hub (serve) and pushing to it (sync) ---------------------


def _shown_url(url: str) -> str:
    from app.db import display_url

    return display_url(url)


def _sqlite_only(args: argparse.Namespace, what: str) -> None:
    if getattr(args, "database_url", None):
        raise AppError(
            f"{what}只适用于本机台账文件；PostgreSQL 数据库请用数据库自带的工具（如 pg_dump）"
        )


def _serve_console_log() -> None:
    """Requests on the console too (codes and counts only; the scrub filter as a safety net)."""
    from app.logs import ScrubFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    handler.addFilter(ScrubFilter())
    for name in ("app.sync.hub", "app.sync.client"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    logging.getLogger("app").setLevel(logging.INFO)


def cmd_serve(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from app.models import SyncPeer
    from app.rules.network import normalize_hub_url
    from app.services.settings import load as load_settings
    from app.sync.hub import HubOptions, HubServer
    from app.sync.keys import load_station_keys

    if args.max_body_mb < 1 or args.max_body_mb > 1024:
        raise ValidationError.single(
            "max_body_mb", "--max-body-mb", "应在1至1024之间", "默认512（MB）"
        )
    if bool(args.certfile) != bool(args.keyfile):
        raise ValidationError.single(
            "certfile", "--certfile / --keyfile", "须同时指定", "HTTPS 需要证书和私钥两个文件"
        )
    _sync_passphrase_prompt()
    db = _open(args)
    try:
        load_station_keys(db)  # open the keystore now (a terminal may be asked the passphrase)
        with db.session() as s:
            children = int(
                s.scalar(
                    select(func.count())
                    .select_from(SyncPeer)
                    .where(SyncPeer.relation == "child", SyncPeer.active.is_(True))
                )
                or 0
            )
            configured = load_settings(s).hub_url
        upstream = "" if args.no_forward else normalize_hub_url(args.upstream or configured)
        options = HubOptions(
            max_body=args.max_body_mb << 20,
            concurrency=args.concurrency,
            upstream=upstream,
            operator=args.operator,
        )
        server = HubServer(
            db,
            options,
            host=args.host,
            port=args.port,
            certfile=args.certfile,
            keyfile=args.keyfile,
        )
        _serve_console_log()
        hub = server.hub
        where = _shown_url(db.url) if db.url else str(db.path)
        print(f"同步服务已启动：{hub.name}（{hub.code}），地址 {server.url}")
        print(f"数据库：{where}；已配对下级 {children} 个；单个同步包上限 {args.max_body_mb} MB")
        if upstream:
            print(f"收到新记录后自动转送上级：{upstream}")
        if not children:
            sys.stderr.write(
                "提示：还没有配对的下级，请先导入下级的工作站卡片（zongzhi card import）\n"
            )
        print("按 Ctrl+C 停止", flush=True)

        def stop(_signum: int, _frame: Any) -> None:  # after uvicorn's graceful shutdown
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            server.run()
        except KeyboardInterrupt:
            pass  # Ctrl+C or SIGTERM: requests in flight were finished first
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        db.close()
    print("同步服务已停止", flush=True)
    return 0


def _net_status_text(d: dict[str, Any]) -> str:
    lines = [
        f"同步服务地址：{d['hub_url'] or '（未设置）'}",
        f"待上级确认：{d['pending_label']}",
        f"上次联网同步成功：{d['last_success_at'] or '—'}",
    ]
    if d["last_error"]:
        lines.append(f"上次出错：{d['last_error_at'] or '—'} {d['last_error']}")
    return "\n".join(lines)


def cmd_sync(args: argparse.Namespace) -> int:
    from app.sync.client import NetError, check_hub, net_status, sync_once
    from app.sync.status import sync_status

    db = _open(args)
    try:
        if args.status:
            st, ns = sync_status(db), net_status(db)
            with db.session() as s:
                from app.services.settings import load as load_settings

                configured = load_settings(s).hub_url
            _emit(
                {
                    "hub_url": configured,
                    "pending": st.pending_up,
                    "pending_label": st.pending_label,
                    "last_success_at": _local_time(ns.last_success_at)
                    if ns.last_success_at
                    else None,
                    "last_error": ns.last_error if ns.failing else "",
                    "last_error_at": _local_time(ns.last_error_at) if ns.failing else None,
                },
                args.json,
                _net_status_text,
            )
            return 0
        if args.test:
            from sqlalchemy import select

            from app.models import SyncPeer
            from app.services.settings import load as load_settings

            with db.session() as s:
                url = args.hub or load_settings(s).hub_url
                parent = s.scalars(
                    select(SyncPeer).where(SyncPeer.relation == "parent", SyncPeer.active)
                ).first()
                expect = parent.station_code if parent else None
            info = check_hub(url, expect_code=expect)
            _emit(
                {"url": info.url, "station": {"code": info.code, "name": info.name}},
                args.json,
                lambda _d: (
                    f"连接成功：{info.url} 是{info.label}的同步服务"
                    + ("" if expect else "（本站尚未与上级配对）")
                ),
            )
            return 0
        _sync_passphrase_prompt()
        try:
            report = sync_once(db, args.hub, operator=args.operator)
        except NetError as exc:
            sys.stderr.write(f"错误：{exc}\n")
            return 75 if exc.retry else 1  # 75 (EX_TEMPFAIL): try again later
    finally:
        db.close()
    for notice in report.notices:
        sys.stderr.write(f"提示：{notice}\n")
    _emit(report.as_dict(), args.json, lambda r: str(r["message"]))
    if report.refused:
        for rej in report.refused[:20]:
            sys.stderr.write(
                f"上级拒收 {rej.get('record') or rej.get('label', '')} {rej.get('ref', '')}："
                f"{rej.get('reason', '')}\n"
            )
        return EXIT_RECORDS_REFUSED
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from app.sync.recovery import recover_station

    _sync_passphrase_prompt()
    if bool(args.source) == bool(args.hub):
        raise ValidationError.single(
            "from",
            "--from / --hub",
            "须指定其一",
            "用U盘恢复加 --from 恢复包文件；联网恢复加 --hub 地址",
        )
    with _session(args) as ctx:
        if args.source:
            res = recover_station(ctx, Path(args.source))
        else:
            from app.sync.client import recover_from_hub

            res = recover_from_hub(ctx, args.hub)
    _emit(res.as_dict(), args.json, lambda r: str(r["message"]))
    return 0


def _add_net_commands(sub: Any) -> None:
    s = sub.add_parser(
        "serve",
        help="提供同步服务（乡镇/县）：接收下级同步包并回执",
        description="在本机提供同步服务：已配对的下级联网上传同步包，本站导入后立即回执；"
        "默认使用 --db 的台账文件，也可用 --database-url 使用 PostgreSQL 数据库"
        "（先执行 zongzhi --database-url URL init … 初始化）。",
    )
    s.add_argument(
        "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；局域网用 0.0.0.0）"
    )
    s.add_argument("--port", type=int, default=8750, help="端口（默认 8750）")
    s.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="PostgreSQL 数据库地址（同全局选项 --database-url）",
    )
    s.add_argument("--max-body-mb", type=int, default=512, help="单个同步包大小上限（MB，默认512）")
    s.add_argument(
        "--concurrency", type=int, default=0, help="同时导入数（PostgreSQL 默认4；SQLite 固定为1）"
    )
    s.add_argument(
        "--upstream", default="", help="上级同步服务地址（默认：本站设置中的同步服务地址）"
    )
    s.add_argument("--no-forward", action="store_true", help="不自动向上级转送")
    s.add_argument("--certfile", help="HTTPS 证书文件（可选）")
    s.add_argument("--keyfile", help="HTTPS 私钥文件（可选）")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("sync", help="联网同步：把待上传的变更推送到上级同步服务")
    s.add_argument("--hub", default=None, help="上级同步服务地址（默认：本站设置中的地址）")
    s.add_argument("--test", action="store_true", help="只测试连接")
    s.add_argument("--status", action="store_true", help="查看联网同步状态")
    s.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="PostgreSQL 数据库地址（同全局选项 --database-url）",
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sync)

    s = sub.add_parser("recover", help="新安装的本站从上级恢复本站台账（须先与上级重新配对）")
    s.add_argument("--from", dest="source", help="上级生成的恢复包文件（U盘）")
    s.add_argument("--hub", help="上级同步服务地址（联网恢复）")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_recover)


def _start_log(args: argparse.Namespace) -> logging.Logger:
    """Log which command ran and how it ended — never its arguments (they carry names)."""
    from app.config import log_dir_for
    from app.logs import setup_logging

    with contextlib.suppress(OSError):  # a read-only location must not stop the command
        setup_logging(log_dir_for(Path(args.db)))
    return logging.getLogger("app.cli")


# every command, in the order of ``zongzhi -h`` (tests/platform/test_commands.py keeps it equal
# to the parser's list); named in the Chinese refusal of an unknown command
COMMANDS = (
    "init",
    "demo",
    "stats",
    "check",
    "operator",
    "case",
    "visit",
    "dispute",
    "backup",
    "restore",
    "register",
    "excel",
    "print",
    "card",
    "bundle",
    "supervise",
    "report",
    "screening",
    "serve",
    "sync",
    "recover",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    log = _start_log(args)
    try:
        from app.cli_auth import authorize

        authorize(args, lambda: _open(args))  # who runs this command (see README 登录)
        code = int(args.func(args))
        log.info("command %s finished with exit code %d", args.command, code)
        return code
    except AppError as exc:
        log.info("command %s refused: %s", args.command, type(exc).__name__)
        sys.stderr.write(f"错误：{exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("已取消\n")
        return 130
    except OSError as exc:
        sys.stderr.write(f"错误：文件操作失败（{exc.strerror or exc}）\n")
        return 1
    except SystemExit:
        raise
    except Exception as exc:  # unexpected: keep the ledger safe, say where the details are
        log.exception("command %s crashed", args.command)
        sys.stderr.write(
            f"错误：程序内部错误（{type(exc).__name__}），未完成的操作已撤销，详细信息已记入日志，请联系技术支持\n"
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
