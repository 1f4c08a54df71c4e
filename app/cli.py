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
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from app import __version__
from app.config import default_db_path
from app.db import Database, open_database
from app.rules.errors import AppError, ValidationError
from app.rules.text import mask_id_number

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
        sys.stderr.write(f"错误：{_translate_error(message)}（用 -h 查看用法）\n")
        raise SystemExit(2)


def _emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(text(data) + "\n")


def _open(args: argparse.Namespace, *, create: bool = False) -> Database:
    db = open_database(Path(args.db), create=create)
    if not create:
        from app.services.stations import upgrade_code_tables

        upgrade_code_tables(db)
    return db


def _ctx(args: argparse.Namespace, db: Database) -> Any:
    from app.services.context import open_ctx

    return open_ctx(db, args.operator)


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
    )
    # validate before creating the file, so a bad command leaves nothing behind
    path = Path(args.db)
    existed = path.exists()
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
    print(f"已初始化工作站：{station.name}（{station.code}），数据库：{path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services import demo

    db = _open(args)
    ctx = _ctx(args, db)
    try:
        counts = demo.generate(ctx, visits=args.visits, disputes=args.disputes, seed=args.seed)
    finally:
        ctx.close()
        db.close()
    print(
        f"已生成演示数据：信访件 {counts.visits} 件，纠纷 {counts.disputes} 件，演示操作员 {counts.operators} 名（密码 demo123）"
    )
    return 0


def _stats_text(data: dict[str, Any]) -> str:
    v, d = data["visits"], data["disputes"]
    rate = "—" if d["success_rate"] is None else f"{d['success_rate'] * 100:.1f}%"
    lines = [
        f"{data['station']['name']}（{data['station']['code']}） 统计期间：{data['period']} 截至 {data['as_of']}",
        "",
        f"来信来访 共 {v['total']} 件（集体访 {v['group']}，重复访 {v['repeat']}，越级 {v['skip_level']}，超期 {v['overdue']}）",
    ]
    lines += [f"  {k}：{n}" for k, n in v["by_status"].items()]
    lines += [
        "",
        f"矛盾纠纷 共 {d['total']} 件；调解 {d['mediated']} 件，成功 {d['succeeded']} 件，成功率 {rate}；超期 {d['overdue']} 件",
        f"  协议涉及金额：{d['agreement_amount_yuan']:.2f} 元",
    ]
    lines += [f"  {k}：{n}" for k, n in d["by_status"].items()]
    lines.append("  按类别：" + "，".join(f"{k} {n}" for k, n in d["by_category"].items()))
    if data["zero_report"]:
        lines.append("\n本期无新增事项（零报告）")
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace) -> int:
    from app.services.stats import compute

    db = _open(args)
    ctx = _ctx(args, db)
    try:
        data = compute(ctx, args.month)
    finally:
        ctx.close()
        db.close()
    _emit(data, args.json, _stats_text)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.check import run_checks

    db = open_database(Path(args.db), create=False)
    try:
        data = run_checks(db)
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


def cmd_operator(args: argparse.Namespace) -> int:
    from app.services.operators import OperatorInput, create_operator, list_operators

    db = _open(args)
    ctx = _ctx(args, db)
    try:
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
    finally:
        ctx.close()
        db.close()
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

    db = _open(args)
    ctx = _ctx(args, db)
    try:
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
    finally:
        ctx.close()
        db.close()
    return 0


def _person_arg(text: str) -> Any:
    """ "姓名,身份证号,电话[,角色]" → PersonInput (+ role)."""
    from app.services.persons import PersonInput

    parts = [p.strip() for p in re.split(r"[,，]", text)]
    parts += [""] * (4 - len(parts))
    return PersonInput(name=parts[0], id_number=parts[1], phone=parts[2]), parts[3]


def cmd_visit_add(args: argparse.Namespace) -> int:
    from app.services.visits import VisitInput, register_visit

    db = _open(args)
    ctx = _ctx(args, db)
    try:
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
    finally:
        ctx.close()
        db.close()
    return 0


def cmd_dispute_add(args: argparse.Namespace) -> int:
    from app.services.disputes import DisputeInput, PartyInput, register_dispute

    db = _open(args)
    ctx = _ctx(args, db)
    try:
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
    finally:
        ctx.close()
        db.close()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from app.services.backup import backup_now, list_backups

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
        path = backup_now(db, reason="manual", out=Path(args.out) if args.out else None)
    finally:
        db.close()
    _emit({"file": str(path)}, args.json, lambda r: f"已备份到：{r['file']}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services.backup import restore

    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError.single(
                "yes", "确认", "恢复会用备份覆盖当前台账", "确认无误后加 --yes 再执行"
            )
        answer = input("恢复将用备份覆盖当前台账（当前台账会先自动备份）。输入“恢复”确认：")
        if answer.strip() != "恢复":
            print("已取消")
            return 1
    epoch = restore(Path(args.db), Path(args.file), allow_other_station=args.allow_other_station)
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
    p.add_argument("--operator", default=None, help="以哪个操作员身份执行（默认：系统）")
    sub = p.add_subparsers(dest="command", metavar="命令")

    s = sub.add_parser("init", help="初始化工作站（首次使用）")
    s.add_argument("--station-code", required=True, help="12位统计用区划代码")
    s.add_argument("--station-name", required=True, help="站点名称，如“柳树村综治中心”")
    s.add_argument("--level", required=True, choices=["village", "township", "county"], help="层级")
    s.add_argument("--parent-code", help="上级单位区划代码")
    s.add_argument("--short-name", help="简称（用于文书编号“（年）简称调字第N号”）")
    s.add_argument("--admin-user", default="admin", help="管理员用户名（默认 admin）")
    s.add_argument("--admin-password", help="管理员密码（也可用环境变量 ZONGZHI_ADMIN_PASSWORD）")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", help="生成演示数据")
    s.add_argument("--visits", type=int, default=60, help="信访件数量（默认60）")
    s.add_argument("--disputes", type=int, default=80, help="纠纷数量（默认80）")
    s.add_argument("--seed", type=int, default=20251124, help="随机种子")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("stats", help="统计")
    s.add_argument("--month", help="统计月份，如 2025-03（默认全部）")
    s.add_argument("--json", action="store_true", help="输出 JSON")
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


def _start_log(args: argparse.Namespace) -> logging.Logger:
    """Log which command ran and how it ended — never its arguments (they carry names)."""
    from app.config import log_dir_for
    from app.logs import setup_logging

    with contextlib.suppress(OSError):  # a read-only location must not stop the command
        setup_logging(log_dir_for(Path(args.db)))
    return logging.getLogger("app.cli")


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
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    log = _start_log(args)
    try:
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
    except SystemExit:
        raise
    except Exception as exc:  # unexpected: keep the ledger safe, say where the details are
        log.exception("command %s crashed", args.command)
        sys.stderr.write(
            f"错误：程序内部错误（{type(exc).__name__}），未完成的操作已撤销，详细信息已记入日志，请联系技术支持\n"
        )
        return 70
    except OSError as exc:
        sys.stderr.write(f"错误：文件操作失败（{exc.strerror or exc}）\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
