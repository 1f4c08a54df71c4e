"""First run: create this ledger's station and its first administrator."""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.config import APP_TITLE
from app.db import Database
from app.rules.errors import AppError, ValidationError
from app.rules.stations import LEVEL_LABELS, expected_parent
from app.rules.text import is_role_word
from app.services.stations import StationInput, init_station

from .i18n import tr
from .widgets import CodeCombo, FieldErrors, error_label

log = logging.getLogger(__name__)


def _field(
    form: QFormLayout, errors: FieldErrors, label: str, widget: QWidget, field: str, hint: str = ""
) -> None:
    err = error_label()
    box = QVBoxLayout()
    box.setSpacing(2)
    box.addWidget(widget)
    if hint:
        h = QLabel(hint)
        h.setObjectName("muted")
        h.setWordWrap(True)
        box.addWidget(h)
    box.addWidget(err)
    form.addRow(label, box)
    errors.register(field, widget, err)


class FirstRunWizard(QWizard):
    """On finish the station exists; ``admin_username`` is who logs in first."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.admin_username = ""
        self.key_warning = ""
        self.setWindowTitle(tr("首次使用 — {0}").format(APP_TITLE))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setMinimumSize(640, 560)
        self.setButtonText(QWizard.WizardButton.NextButton, tr("下一步"))
        self.setButtonText(QWizard.WizardButton.BackButton, tr("上一步"))
        self.setButtonText(QWizard.WizardButton.FinishButton, tr("完成"))
        self.setButtonText(QWizard.WizardButton.CancelButton, tr("取消"))
        self.summary = QLabel()
        self.errors = FieldErrors(self.summary)

        # --- page 1: station --------------------------------------------------------------
        self.station_page = QWizardPage()
        self.station_page.setTitle(tr("第一步：本站信息"))
        self.station_page.setSubTitle(tr("填写本工作站的名称和国家统计局12位统计用区划代码。"))
        form = QFormLayout(self.station_page)
        form.setSpacing(8)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("如 柳树村综治中心"))
        self.code = QLineEdit()
        self.code.setPlaceholderText(tr("12位数字，如 110105001001"))
        self.code.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,12}")))
        self.level = CodeCombo(list(LEVEL_LABELS.items()))
        self.parent_code = QLineEdit()
        self.parent_code.setPlaceholderText(tr("上级单位区划代码（村为所属乡镇，乡镇为所属县）"))
        self.short_name = QLineEdit()
        self.short_name.setPlaceholderText(tr("调解文书编号用，如“柳树”，可不填"))
        self.address = QLineEdit()
        self.phone = QLineEdit()
        _field(form, self.errors, tr("站点名称*"), self.name, "station_name")
        _field(form, self.errors, tr("区划代码*"), self.code, "station_code")
        _field(form, self.errors, tr("层级*"), self.level, "level")
        _field(
            form,
            self.errors,
            tr("上级代码"),
            self.parent_code,
            "parent_code",
            tr("按区划代码自动填写，请核对"),
        )
        _field(form, self.errors, tr("简称"), self.short_name, "mediation_prefix")
        _field(form, self.errors, tr("地址"), self.address, "address")
        _field(form, self.errors, tr("电话"), self.phone, "phone")
        self.code.textEdited.connect(self._suggest_parent)
        self.level.currentIndexChanged.connect(self._suggest_parent)
        self.addPage(self.station_page)

        # --- page 2: administrator ------------------------------------------------------
        self.admin_page = QWizardPage()
        self.admin_page.setTitle(tr("第二步：管理员"))
        self.admin_page.setSubTitle(tr("创建第一个管理员账号，之后可在“设置”中添加其他操作员。"))
        form2 = QFormLayout(self.admin_page)
        form2.setSpacing(8)
        self.admin_user = QLineEdit("admin")
        self.admin_name = QLineEdit()
        self.admin_name.setPlaceholderText(tr("管理员姓名"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        _field(form2, self.errors, tr("用户名*"), self.admin_user, "admin_username")
        self.admin_name.setToolTip(tr("登记表的首接人、经办人默认填这个姓名"))
        _field(form2, self.errors, tr("姓名*"), self.admin_name, "admin_display_name")
        _field(form2, self.errors, tr("密码*"), self.password, "admin_password", tr("至少6位"))
        _field(form2, self.errors, tr("确认密码*"), self.password2, "admin_password2")
        self.summary.setParent(None)
        form2.addRow(self.summary)
        self.admin_page.setCommitPage(True)  # the station exists once this page is left
        self.addPage(self.admin_page)

        # --- page 3 (optional): 从乡镇恢复本站台账 (a reinstalled station) ---------------
        from .recovery_page import RecoveryPage

        self.recovery_page = RecoveryPage(db)
        self.addPage(self.recovery_page)
        self._page_of = {
            "admin_username": 1,
            "admin_display_name": 1,
            "admin_password": 1,
            "admin_password2": 1,
        }

    def _suggest_parent(self, *_: object) -> None:
        code = self.code.text().strip()
        if len(code) == 12:
            parent = expected_parent(code, self.level.code())
            if parent and not self.parent_code.isModified():
                self.parent_code.setText(parent)

    def station_input(self) -> StationInput:
        return StationInput(
            code=self.code.text().strip(),
            name=self.name.text(),
            level=self.level.code(),
            parent_code=self.parent_code.text().strip() or None,
            short_name=self.short_name.text(),
            address=self.address.text(),
            phone=self.phone.text(),
            admin_username=self.admin_user.text().strip(),
            admin_display_name=self.admin_name.text().strip(),
            admin_password=self.password.text(),
        )

    def validateCurrentPage(self) -> bool:
        self.errors.clear()
        if self.currentPage() in (self.station_page, self.recovery_page):
            return True
        name = self.admin_name.text().strip()
        if not name or is_role_word(name):
            self.errors.show(
                ValidationError.single(
                    "admin_display_name",
                    tr("姓名"),
                    tr("不能为空") if not name else tr("“{0}”是角色而不是人名").format(name),
                    tr("请填写管理员本人的真实姓名（登记表的首接人、经办人默认用它）"),
                )
            )
            return False
        if self.password.text() != self.password2.text():
            self.errors.show(
                ValidationError.single(
                    "admin_password2", tr("确认密码"), tr("与密码不一致"), tr("请重新输入")
                )
            )
            return False
        try:
            init_station(self.db, self.station_input())
        except ValidationError as err:
            first = err.problems[0].field
            if self._page_of.get(first, 0) == 0:
                self.back()
            self.errors.show(err)
            return False
        except AppError as err:
            QMessageBox.warning(self, tr("无法创建工作站"), str(err))
            return False
        self.admin_username = self.admin_user.text().strip()
        self.recovery_page.username = self.admin_username
        self._ensure_keys()
        return True

    def _ensure_keys(self) -> None:
        """Create the station's sync keys when the sync module provides that."""
        try:
            keys = importlib.import_module("app.sync.keys")
        except ModuleNotFoundError as exc:
            if exc.name in ("app.sync.keys", "app.sync"):
                return
            raise
        ensure = getattr(keys, "ensure_station_keys", None)
        if ensure is None:
            return
        try:
            ensure(self.db)
        except AppError as err:
            self.key_warning = tr("站点同步密钥暂未创建：{0}。可稍后在“同步”页面创建。").format(err)
            log.warning("station keys not created at first run")
