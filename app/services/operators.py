"""Operators: creation, login with lockout, password changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import Database
from app.models import Operator, utcnow
from app.rules.errors import AppError, ValidationError
from app.rules.passwords import check_password_policy, hash_password, verify_password
from app.rules.permissions import ROLE_LABELS
from app.rules.text import clean, is_role_word

from .context import Ctx

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)


class LoginError(AppError):
    pass


@dataclass
class OperatorInput:
    username: str
    display_name: str
    role: str
    password: str
    phone: str = ""


def create_operator(ctx: Ctx, data: OperatorInput) -> Operator:
    ctx.require("operator.manage")
    username = data.username.strip()
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        raise ValidationError.single(
            "username", "用户名", f"“{username}”不可用", "请使用字母、数字或下划线"
        )
    if data.role not in ROLE_LABELS or data.role == "system":
        raise ValidationError.single(
            "role",
            "角色",
            f"“{data.role}”无效",
            "可选：" + "、".join(f"{k}（{v}）" for k, v in ROLE_LABELS.items() if k != "system"),
        )
    township_roles = {"township_officer", "township_admin"}
    if ctx.station.level == "village" and data.role in township_roles:
        raise ValidationError.single(
            "role", "角色", "村（社区）工作站不能设乡镇角色", "请选择本站角色"
        )
    check_password_policy(data.password)
    display = clean(data.display_name)
    if not display:
        raise ValidationError.single("display_name", "姓名", "不能为空", "请填写操作员姓名")
    if is_role_word(display):
        raise ValidationError.single(
            "display_name",
            "姓名",
            f"“{display}”是角色而不是人名",
            "请填写操作员本人的真实姓名（登记表的首接人、经办人默认用它）",
        )
    with ctx.write() as s:
        if s.scalars(select(Operator).where(Operator.username == username)).first():
            raise ValidationError.single("username", "用户名", f"“{username}”已存在", "请换一个")
        op = Operator(
            username=username,
            display_name=display,
            role=data.role,
            password_hash=hash_password(data.password),
            phone=clean(data.phone),
        )
        s.add(op)
    return op


def authenticate(
    db: Database, username: str, password: str, *, now: datetime | None = None
) -> Operator:
    """Check a login. Wrong passwords count; 5 in a row lock the account for 15 minutes."""
    now = now or utcnow()
    with db.transaction() as s:
        op = s.scalars(select(Operator).where(Operator.username == username.strip())).first()
        if op is None or not op.can_login or not op.active:
            raise LoginError("用户名或密码不正确，请重新输入")
        if op.locked_until is not None and op.locked_until > now:
            minutes = int((op.locked_until - now).total_seconds() // 60) + 1
            raise LoginError(f"该账号因多次输错密码已锁定，请{minutes}分钟后再试或联系管理员解锁")
        if not verify_password(password, op.password_hash):
            op.failed_attempts += 1
            left = MAX_FAILED_ATTEMPTS - op.failed_attempts
            if left <= 0:
                op.locked_until = now + LOCKOUT
                op.failed_attempts = 0
                msg = f"密码连续输错{MAX_FAILED_ATTEMPTS}次，账号已锁定{int(LOCKOUT.total_seconds() // 60)}分钟"
            else:
                msg = f"用户名或密码不正确，还可尝试{left}次"
            failure = LoginError(msg)
        else:
            op.failed_attempts = 0
            op.locked_until = None
            op.last_login_at = now
            failure = None
    if failure is not None:
        raise failure
    return op


def change_password(ctx: Ctx, old: str, new: str) -> None:
    if not verify_password(old, ctx.operator.password_hash):
        raise ValidationError.single("old_password", "原密码", "不正确", "请重新输入")
    check_password_policy(new, "new_password", "新密码")
    with ctx.write():
        ctx.operator.password_hash = hash_password(new)


def unlock(ctx: Ctx, username: str) -> None:
    ctx.require("operator.manage")
    with ctx.write() as s:
        op = s.scalars(select(Operator).where(Operator.username == username)).first()
        if op is None:
            raise ValidationError.single("username", "用户名", f"“{username}”不存在", "请核对")
        op.locked_until = None
        op.failed_attempts = 0


def list_operators(ctx: Ctx) -> list[Operator]:
    return list(
        ctx.session.scalars(
            select(Operator).where(Operator.role != "system").order_by(Operator.username)
        )
    )
