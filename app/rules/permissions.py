"""Which role may do what. Enforced in services (the GUI only hides what is not allowed)."""

from __future__ import annotations

from .errors import PermissionDenied

ROLE_LABELS = {
    "clerk": "录入员",
    "mediator": "调解员",
    "station_admin": "站点管理员",
    "township_officer": "乡镇综治干部",
    "township_admin": "乡镇管理员",
    "system": "系统",
}

_ALL = frozenset(ROLE_LABELS)
_STATION_STAFF = frozenset({"clerk", "mediator", "station_admin", "system"})
_TOWNSHIP = frozenset({"township_officer", "township_admin", "system"})
_ADMINS = frozenset({"station_admin", "township_admin", "system"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "visit.register": _STATION_STAFF | _TOWNSHIP,
    "visit.update": _STATION_STAFF | _TOWNSHIP,
    "visit.review": frozenset({"station_admin", "township_officer", "township_admin", "system"}),
    "visit.decide": _STATION_STAFF | _TOWNSHIP,
    "visit.handle": _STATION_STAFF | _TOWNSHIP,
    "visit.void": _ADMINS,
    "dispute.register": _STATION_STAFF | _TOWNSHIP,
    "dispute.update": _STATION_STAFF | _TOWNSHIP,
    "dispute.assign": frozenset({"station_admin", "township_officer", "township_admin", "system"}),
    "dispute.mediate": frozenset(
        {"mediator", "station_admin", "township_officer", "township_admin", "system"}
    ),
    "dispute.handle": _STATION_STAFF | _TOWNSHIP,
    "dispute.void": _ADMINS,
    "restricted.view": frozenset({"station_admin", "township_officer", "township_admin", "system"}),
    "id_number.view": frozenset({"station_admin", "township_admin", "mediator", "system"}),
    # phones like ID numbers: full where the role may call people back, masked in lists and
    # exports for the others (documents addressed to the person keep them)
    "phone.view": frozenset({"station_admin", "township_admin", "mediator", "system"}),
    "operator.manage": _ADMINS,
    "settings.manage": _ADMINS,
    "supervise": _TOWNSHIP,
    "sync.run": _ALL,
    "sync.pair": _ADMINS,
    "supervision.feedback": _STATION_STAFF | _TOWNSHIP,
    "backup.run": _ALL,
    "backup.restore": _ADMINS,
    "register.edit": _STATION_STAFF | _TOWNSHIP,
}

ACTION_LABELS = {
    "visit.register": "登记信访件",
    "visit.update": "修改信访件",
    "visit.review": "审核信访件",
    "visit.decide": "作出受理决定",
    "visit.handle": "办理信访件",
    "visit.void": "作废信访件",
    "dispute.register": "登记纠纷",
    "dispute.update": "修改纠纷",
    "dispute.assign": "分流指派调解员",
    "dispute.mediate": "记录调解",
    "dispute.handle": "办理纠纷",
    "dispute.void": "作废纠纷",
    "restricted.view": "查看保密信访件",
    "id_number.view": "查看完整身份证号",
    "phone.view": "查看完整电话号码",
    "operator.manage": "管理操作员",
    "settings.manage": "修改系统设置",
    "supervise": "督办",
    "sync.run": "同步",
    "sync.pair": "配对工作站（交换工作站卡片）",
    "supervision.feedback": "反馈督办办理情况",
    "backup.run": "备份",
    "backup.restore": "从备份恢复",
    "register.edit": "登记或修改台账",
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())


def require(role: str, permission: str) -> None:
    if not allowed(role, permission):
        label = ROLE_LABELS.get(role, role)
        raise PermissionDenied(
            f"当前角色「{label}」无权{ACTION_LABELS.get(permission, permission)}，请由有权限的人员操作"
        )
