"""The security administrator imports role grants in the system Chromium: upload, preview,
confirm."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from heli.accounts.models import Role, RoleAssignment
from heli.org.models import OrganPartyOrg
from heli.org.tests.test_import_roles import role_sheet
from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secadmin_uploads_previews_and_confirms_a_role_import(
    page: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from heli.accounts.tests.conftest import code_for

    device = TOTPDevice.objects.create(user=world.user("secadmin"), name="TOTP", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("secadmin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/two-step/verify/"))
    page.fill("#id_code", code_for(device))
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="Excel 导入").first.click()
    page.wait_for_url(re.compile(r"/org/import/"))
    assert page.get_by_role("heading", name="从 Excel 导入角色授权").is_visible()
    workbook = tmp_path / "角色.xlsx"
    workbook.write_bytes(role_sheet(["nobody", "无角色", "机关党委书记", "测试单位0", None]))
    page.set_input_files("input[type=file]", str(workbook))
    page.get_by_role("button", name="检查并预览").click()

    preview = page.locator("#import-preview")
    preview.wait_for()
    assert "替换原书记" in preview.inner_text()
    assert "unit0_secretary" in preview.inner_text()
    # Nothing is granted while the preview waits.
    nobody = world.user("nobody")
    assert not RoleAssignment.objects.filter(user=nobody).exists()

    page.get_by_role("button", name="确认并授予以上角色").click()
    page.locator("#import-summary").wait_for()
    assert RoleAssignment.objects.filter(
        user=nobody, role=Role.UNIT_SECRETARY, unit=world.units[0]
    ).exists()
    assert OrganPartyOrg.objects.get(unit=world.units[0]).secretary == nobody
