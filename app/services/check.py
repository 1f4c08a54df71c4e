"""``zongzhi check``: is this ledger sound? Integrity, schema, counters, case logs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.db import Database, current_revision, head_revision, integrity_check
from app.models import synced_tables


@dataclass
class CheckResult:
    name: str
    label: str
    ok: bool
    detail: str = ""


ORPHAN_QUERIES = {
    "案件流转记录": (
        "SELECT count(*) FROM case_event e WHERE NOT ("
        " (e.case_type = 'visit' AND EXISTS (SELECT 1 FROM visit v WHERE v.id = e.case_id))"
        " OR (e.case_type = 'dispute' AND EXISTS (SELECT 1 FROM dispute d WHERE d.id = e.case_id)))"
    ),
    "信访人": "SELECT count(*) FROM visit_person x"
    " WHERE NOT EXISTS (SELECT 1 FROM visit v WHERE v.id = x.visit_id)"
    " OR NOT EXISTS (SELECT 1 FROM person p WHERE p.id = x.person_id)",
    "纠纷当事人": "SELECT count(*) FROM dispute_party x"
    " WHERE NOT EXISTS (SELECT 1 FROM dispute d WHERE d.id = x.dispute_id)"
    " OR NOT EXISTS (SELECT 1 FROM person p WHERE p.id = x.person_id)",
    "调查调解记录": "SELECT count(*) FROM mediation_session x"
    " WHERE NOT EXISTS (SELECT 1 FROM dispute d WHERE d.id = x.dispute_id)",
    "台账栏目": "SELECT count(*) FROM register_field x"
    " WHERE NOT EXISTS (SELECT 1 FROM register_type t WHERE t.id = x.type_id)",
    "台账记录": "SELECT count(*) FROM register_record x"
    " WHERE NOT EXISTS (SELECT 1 FROM register_type t WHERE t.id = x.type_id)",
    "台账附件": "SELECT count(*) FROM register_attachment x"
    " WHERE NOT EXISTS (SELECT 1 FROM register_record r WHERE r.id = x.record_id)",
    "督办反馈": "SELECT count(*) FROM supervision_feedback x"
    " WHERE NOT EXISTS (SELECT 1 FROM supervision s WHERE s.id = x.supervision_id)",
}


def find_orphans(conn: Connection) -> dict[str, int]:
    """Dependants whose record is missing (a case log without its case, a person who is a
    party to nothing, …): what a half-applied bundle would leave behind. {label: count}."""
    out: dict[str, int] = {}
    for label, sql in ORPHAN_QUERIES.items():
        n = int(conn.execute(text(sql)).scalar_one())
        if n:
            out[label] = n
    return out


def run_checks(db: Database) -> dict[str, Any]:
    results: list[CheckResult] = []
    problems = integrity_check(db.path)
    results.append(
        CheckResult(
            "integrity", "数据库文件完整性", not problems, "；".join(problems[:5]) or "正常"
        )
    )
    rev = current_revision(db.engine)
    head = head_revision()
    results.append(CheckResult("schema", "数据结构版本", rev == head, f"当前 {rev}，程序 {head}"))
    with db.engine.connect() as conn:
        fk = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
        results.append(
            CheckResult(
                "foreign_keys",
                "记录关联",
                not fk,
                f"{len(fk)} 处关联缺失（表 {', '.join(sorted({str(r[0]) for r in fk}))}）"
                if fk
                else "正常",
            )
        )
        state = conn.execute(
            text("SELECT station_code, rev_counter, epoch FROM local_state WHERE id = 1")
        ).fetchone()
        if state is None:
            results.append(
                CheckResult("station", "工作站", False, "尚未初始化，请执行 zongzhi init")
            )
        else:
            station, counter = str(state[0]), int(state[1])
            worst = 0
            zero = 0
            for table in synced_tables():
                m = conn.execute(
                    text(f'SELECT max(rev), sum(rev <= 0) FROM "{table}" WHERE origin = :o'),
                    {"o": station},
                ).fetchone()
                assert m is not None
                worst = max(worst, int(m[0] or 0))
                zero += int(m[1] or 0)
            ok = worst <= counter and zero == 0
            results.append(
                CheckResult(
                    "rev_counter",
                    "变更计数器",
                    ok,
                    f"计数器 {counter}，本站记录最大 {worst}"
                    + (f"，{zero} 条记录缺少变更号" if zero else ""),
                )
            )
            missing = conn.execute(
                text(
                    "SELECT count(*) FROM ("
                    " SELECT id FROM visit WHERE origin = :o UNION ALL"
                    " SELECT id FROM dispute WHERE origin = :o) c "
                    "WHERE NOT EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = c.id"
                    " AND e.event = 'registered')"
                ),
                {"o": station},
            ).scalar_one()
            results.append(
                CheckResult(
                    "case_log",
                    "案件流转记录",
                    missing == 0,
                    "正常" if missing == 0 else f"{missing} 件案件缺少登记记录",
                )
            )
        orphans = find_orphans(conn)
        results.append(
            CheckResult(
                "orphans",
                "孤立记录",
                not orphans,
                "；".join(f"{label} {n} 条" for label, n in orphans.items()) + "（所属案件不存在）"
                if orphans
                else "正常",
            )
        )
    from .audit import verify_chain

    chain = verify_chain(db.engine)
    results.append(
        CheckResult(
            "audit_chain",
            "操作日志链",
            chain.ok,
            f"{chain.entries} 条记录，校验通过"
            if chain.ok
            else f"第 {chain.first_broken_seq} 条起断链：{chain.reason}",
        )
    )
    from .row_audit import verify_rows

    with db.session() as s:
        rows = verify_rows(s)
    results.append(
        CheckResult(
            "audit_rows",
            "记录与操作日志核对",
            rows.ok,
            f"{rows.checked} 条记录与操作日志一致" if rows.ok else rows.problem,
        )
    )
    return {
        "ok": all(r.ok for r in results),
        "first_broken_audit_seq": chain.first_broken_seq,
        "first_broken_record": {"table": rows.table, "id": rows.record_id} if not rows.ok else None,
        "checks": [asdict(r) for r in results],
    }
