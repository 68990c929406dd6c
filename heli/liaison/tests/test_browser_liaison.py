"""The liaison flow walked in the system Chromium: committee staff record a symposium with
three units and a PDF and raise a matter for one of them; the coverage board turns those
units green and the matter is on the battle map; the unit's secretary signs for and
answers a letter and reports on the matter; the supervising department closes it; the
contact says its matters are handled; another unit's staff sees none of it (404)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from heli.files.models import Attachment
from heli.files.tests import samples
from heli.liaison.letters import send_letter
from heli.liaison.models import Contact, LetterReceipt, Subject
from heli.org.tests.test_browser import login
from heli.testing import World
from heli.tracking.models import Task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("storage"),
]

TITLE = "第一组机关党建工作座谈会"
MATTER = "解决机关党务干部配备不足问题"


def _button(page: Any, name: str) -> Any:
    return page.locator("form.task-step-form").get_by_role("button", name=name, exact=True)


def test_a_symposium_its_matter_on_the_battle_map_closed_and_handled(
    page: Any, browser: Any, live_server: Any, world: World
) -> None:
    today = timezone.localdate()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    staff = context.new_page()
    login(staff, live_server, "staff")
    board_url = f"{live_server.url}/liaison/coverage/?year={today.year}"
    staff.goto(board_url)
    unit0_row = staff.locator(f'#board-units tr[data-unit="{world.units[0].pk}"]')
    assert "cov-row-met" not in (unit0_row.get_attribute("class") or "")
    staff.goto(f"{live_server.url}/liaison/contacts/new/")
    # First sent with no unit and no subject: refused, what was typed kept.
    staff.get_by_label("形式").select_option(label="座谈会")
    staff.get_by_label("标题").fill(TITLE)
    staff.get_by_label("内容摘要").fill("座谈了落实年度机关党建工作要点的情况。")
    staff.locator("#contact-form").get_by_role("button", name="保存").last.click()
    staff.wait_for_load_state()
    assert staff.get_by_text("请至少选择一个单位").is_visible()
    assert staff.get_by_label("标题").input_value() == TITLE
    assert not Contact.objects.exists()
    # Three units: two by typing to narrow the list, the third ticked by name.
    staff.locator("#unit-filter").fill("测试单位0")
    staff.get_by_label("测试单位0", exact=True).check()
    staff.locator("#unit-filter").fill("")
    staff.get_by_label("测试单位1", exact=True).check()
    staff.get_by_label("测试单位2", exact=True).check()
    # The people of the chosen units follow: unit 0's secretary from the registry.
    staff.locator(f"#people-of-{world.units[2].pk}").wait_for()
    staff.locator(f"#people-of-{world.units[0].pk}").get_by_label(
        re.compile("unit0_secretary")
    ).check()
    staff.get_by_label("贯彻落实中央和市委重大决策部署").check()
    staff.get_by_label("存在的突出问题").check()
    staff.get_by_label("文件").set_input_files(
        files=[{"name": "座谈会签到表.pdf", "mimeType": "application/pdf", "buffer": samples.PDF}]
    )
    staff.locator("#contact-form").get_by_role("button", name="保存").last.click()
    staff.wait_for_url(re.compile(r"/liaison/contacts/\d+/$"))
    contact = Contact.objects.get(title=TITLE)
    contact_url = f"{live_server.url}/liaison/contacts/{contact.pk}/"
    assert sorted(contact.units.values_list("name", flat=True)) == [
        "测试单位0",
        "测试单位1",
        "测试单位2",
    ]
    assert Attachment.objects.get(record_id=contact.pk).original_name == "座谈会签到表.pdf"
    assert staff.get_by_role("link", name="座谈会签到表.pdf").is_visible()
    assert "unit0_secretary" in staff.locator("body").inner_text()
    # The coverage board counts the three units as contacted this year.
    staff.goto(board_url)
    for unit in world.units[:3]:
        row = staff.locator(f'#board-units tr[data-unit="{unit.pk}"]')
        assert "cov-row-met" in (row.get_attribute("class") or "")
    staff.goto(contact_url)

    # A matter for one of the three units.
    staff.locator("#id_matter_title").fill(MATTER)
    staff.locator("#id_matter_lead_unit").select_option(label="测试单位0")
    staff.locator("#id_matter_deadline").fill((today + datetime.timedelta(days=30)).isoformat())
    staff.get_by_role("button", name="提出并交办").click()
    staff.wait_for_url(re.compile(r"/liaison/contacts/\d+/"))
    task = Task.objects.get(title=MATTER)
    assert (task.lead_unit, task.department) == (world.units[0], world.department)
    assert staff.locator(".contact-matters").get_by_role("link", name=MATTER).is_visible()
    # It is on the battle map.
    staff.goto(f"{live_server.url}/tracking/tasks/")
    assert staff.get_by_role("link", name=MATTER).is_visible()

    # A letter to two of the units: the unit's secretary finds it on the home page,
    # signs for it (after confirming) and answers it.
    letter = send_letter(
        world.committee,
        units=world.units[:2],
        title="关于报送机关党建工作情况的函",
        body="请于月底前报送本单位机关党建工作情况。",
        subjects=[Subject.DUTIES],
        date=today,
        by=world.user("staff"),
    )
    login(page, live_server, "unit0_secretary")
    page.goto(f"{live_server.url}/")
    page.locator("#home-letters").get_by_role("link", name=re.compile("签收")).first.click()
    page.get_by_role("link", name=re.compile(letter.title)).first.click()
    page.wait_for_url(re.compile(rf"/liaison/letters/{letter.pk}/$"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#sign-letter").click()
    page.wait_for_url(re.compile(rf"/liaison/letters/{letter.pk}/$"))
    assert page.locator("#receipt-signed").is_visible()
    page.locator("#answer-form textarea").fill("已按要求报送，详见附件。")
    page.locator("#answer-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/liaison/letters/{letter.pk}/$"))
    assert "已按要求报送" in page.locator("#receipt-answer").inner_text()
    receipt = LetterReceipt.objects.get(letter=letter, unit=world.units[0])
    assert receipt.signed_by == world.user("unit0_secretary") and receipt.answered_at
    assert LetterReceipt.objects.get(letter=letter, unit=world.units[1]).signed_at is None

    # The unit's secretary signs for the matter and reports on it on the task's page.
    task_url = f"{live_server.url}/tracking/tasks/{task.pk}/"
    page.goto(contact_url)
    page.get_by_role("link", name=MATTER).click()
    page.wait_for_url(task_url)
    _button(page, "签收").click()
    page.wait_for_url(task_url)
    page.locator("#id_report_text").fill("已配齐专职党务干部两名。")
    page.locator("#id_report_percent").fill("100")
    _button(page, "提交反馈").click()
    page.wait_for_url(task_url)
    page.locator("#id_report_done_reason").fill("已配齐，申请销号。")
    _button(page, "上报办结").click()
    page.wait_for_url(task_url)

    # The supervising department closes it; the contact says its matters are handled.
    staff.goto(task_url)
    staff.locator("#id_close_reason").fill("经核实已解决。")
    staff.get_by_label("我已核实办理情况，确认销号。").check()
    _button(staff, "销号").click()
    staff.wait_for_url(task_url)
    staff.goto(contact_url)
    banner = staff.locator("#matters-handled")
    assert "本次沟通联系提出的事项已全部办结" in banner.inner_text()
    page.goto(contact_url)
    assert page.locator("#matters-handled").is_visible()
    context.close()

    # Another unit's staff (units[3] is not in the contact; units[2]'s is) — units[2]
    # is reached, so take someone of a unit the contact did not reach.
    other = browser.new_context(locale="zh-CN")
    outsider = other.new_page()
    from heli.accounts.models import Role
    from heli.testing import grant, make_user

    stranger = make_user(world.committee, "unit3_staff")
    grant(stranger, Role.UNIT_STAFF, unit=world.units[3])
    login(outsider, live_server, "unit3_staff")
    assert outsider.goto(contact_url).status == 404
    assert outsider.goto(task_url).status == 404
    download = Attachment.objects.get(record_id=contact.pk).pk
    assert outsider.goto(f"{live_server.url}/files/{download}/download/").status == 404
    other.close()
