"""Visit (来信来访) and dispute (矛盾纠纷) state machines (DESIGN §4).

Statuses and actions are stable English codes stored in the ledger; labels are Chinese and shown
to users. An illegal move raises :class:`WorkflowError` naming what *is* possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import WorkflowError


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: status unchanged (e.g. an extension)
    event: str  # case-event type written to the case log


class StateMachine:
    def __init__(
        self,
        name: str,
        statuses: dict[str, str],
        initial: str,
        actions: Iterable[Action],
        terminal: Iterable[str],
        open_statuses: Iterable[str],
    ) -> None:
        self.name = name
        self.statuses = statuses
        self.initial = initial
        self.actions = {a.code: a for a in actions}
        self.terminal = frozenset(terminal)
        self.open_statuses = frozenset(open_statuses)
        for a in self.actions.values():
            for s in a.sources:
                assert s in statuses, (a.code, s)
            assert a.target is None or a.target in statuses, a.code

    def status_label(self, status: str) -> str:
        return self.statuses.get(status, status)

    def action_label(self, action: str) -> str:
        act = self.actions.get(action)
        return act.label if act else action

    def allowed(self, status: str) -> list[Action]:
        return [a for a in self.actions.values() if status in a.sources]

    def can(self, status: str, action: str) -> bool:
        act = self.actions.get(action)
        return act is not None and status in act.sources

    def apply(self, status: str, action: str) -> str:
        """The status after ``action``; raise :class:`WorkflowError` if not allowed."""
        act = self.actions.get(action)
        if act is None:
            raise WorkflowError(f"未知的{self.name}操作“{action}”")
        if status not in act.sources:
            options = "、".join(a.label for a in self.allowed(status))
            hint = f"当前可执行：{options}" if options else "该记录已办结归档，不能再变更"
            raise WorkflowError(
                f"{self.name}当前状态为「{self.status_label(status)}」，不能执行「{act.label}」；{hint}"
            )
        return act.target or status

    def is_open(self, status: str) -> bool:
        return status in self.open_statuses


VISIT = StateMachine(
    "信访件",
    statuses={
        "registered": "已登记",
        "reviewed": "已审核",
        "accepted": "已受理",
        "not_accepted": "不予受理",
        "informed": "已告知",
        "in_progress": "办理中",
        "concluded": "已办结",
        "followed_up": "已回访",
        "archived": "已归档",
    },
    initial="registered",
    actions=[
        Action("review", "审核", ("registered",), "reviewed", "reviewed"),
        Action("accept", "受理", ("reviewed",), "accepted", "accepted"),
        Action("reject", "不予受理", ("reviewed",), "not_accepted", "not_accepted"),
        Action("inform", "告知", ("reviewed",), "informed", "informed"),
        Action("answer", "当场答复", ("accepted",), "concluded", "concluded"),
        Action("handle", "自行办理", ("accepted",), "in_progress", "handling"),
        Action("transfer", "转办", ("accepted", "in_progress"), "in_progress", "transferred"),
        Action("assign", "交办", ("accepted", "in_progress"), "in_progress", "assigned"),
        Action("extend", "延期", ("in_progress",), None, "extended"),
        Action("conclude", "办结", ("in_progress",), "concluded", "concluded"),
        Action("follow_up", "回访", ("concluded", "followed_up"), "followed_up", "followed_up"),
        Action(
            "archive",
            "归档",
            ("concluded", "followed_up", "not_accepted", "informed"),
            "archived",
            "archived",
        ),
    ],
    terminal=("archived",),
    open_statuses=("registered", "reviewed", "accepted", "in_progress"),
)

DISPUTE = StateMachine(
    "纠纷",
    statuses={
        "registered": "受理登记",
        "triaged": "已分流",
        "mediating": "调处中",
        "succeeded": "调解成功",
        "failed": "调解不成",
        "terminated": "终止调解",
        "transferred": "已移送",
        "followed_up": "已回访",
        "archived": "已归档",
    },
    initial="registered",
    actions=[
        Action("assign", "分流指派", ("registered", "triaged"), "triaged", "assigned"),
        Action("start", "开始调解", ("registered", "triaged"), "mediating", "mediation_started"),
        Action("extend", "延期", ("triaged", "mediating"), None, "extended"),
        Action("succeed", "调解成功", ("mediating",), "succeeded", "mediated"),
        Action("fail", "调解不成", ("mediating",), "failed", "mediated"),
        Action(
            "terminate", "终止调解", ("registered", "triaged", "mediating"), "terminated", "closed"
        ),
        Action(
            "transfer",
            "移送",
            ("registered", "triaged", "mediating", "failed"),
            "transferred",
            "transferred",
        ),
        Action("follow_up", "回访", ("succeeded", "followed_up"), "followed_up", "followed_up"),
        Action(
            "archive",
            "归档",
            ("followed_up", "failed", "terminated", "transferred"),
            "archived",
            "archived",
        ),
    ],
    terminal=("archived",),
    open_statuses=("registered", "triaged", "mediating"),
)

EVENT_LABELS = {
    "registered": "登记",
    "imported": "历史台账导入",
    "updated": "修改",
    "reviewed": "审核",
    "accepted": "受理",
    "not_accepted": "不予受理",
    "informed": "告知",
    "handling": "办理",
    "transferred": "转办/移送",
    "assigned": "交办/指派",
    "extended": "延期",
    "mediation_started": "开始调解",
    "session_recorded": "调解记录",
    "mediated": "调解结果",
    "concluded": "办结",
    "closed": "结案",
    "followed_up": "回访",
    "archived": "归档",
    "supervised": "督办",
    "voided": "作废",
}
