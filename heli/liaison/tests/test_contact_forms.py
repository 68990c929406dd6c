"""Recording a contact through its form: what is kept, and every bad input refused with a
Chinese message next to its field, nothing saved and what was typed kept."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.audit.models import AuditEvent
from heli.files.models import Attachment
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.liaison.models import Contact, ContactPerson
from heli.liaison.tests.contact_helpers import contact_date, make_contact, post_data
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]

CREATE = "/liaison/contacts/new/"


def _client(world: World, name: str = "staff") -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_staff_records_a_symposium_with_three_units_people_and_a_pdf(world: World) -> None:
    client = _client(world)
    data = post_data(world, attachments=upload("座谈会签到表.pdf", samples.PDF))
    response = client.post(CREATE, data)
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("liaison:contact_detail", args=[contact.pk])
    assert sorted(contact.units.values_list("pk", flat=True)) == [u.pk for u in world.units[:3]]
    assert contact.subjects == ["decisions", "problems"]
    people = {(p.side, p.unit_id, p.name, p.post, p.user_id) for p in contact.people.all()}
    assert people == {
        ("committee", None, "王处员", "", world.user("staff").pk),
        ("committee", None, "张三", "组织部副部长", None),
        (
            "unit",
            world.units[0].pk,
            "unit0_secretary",
            "机关党委书记",
            world.user("unit0_secretary").pk,
        ),
        ("unit", world.units[0].pk, "李四", "办公室主任", None),
    }
    attachment = Attachment.objects.get()
    assert (attachment.record_type, attachment.record_id) == ("liaison.contact", contact.pk)
    assert AuditEvent.objects.filter(
        event="record.created", object_type="liaison.contact", object_id=str(contact.pk)
    ).exists()
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "座谈会签到表.pdf" in body and "张三（组织部副部长）" in body
    # Sent again (the back button, a double click): still one contact.
    assert client.post(CREATE, post_data(world)).status_code == 302
    assert Contact.objects.count() == 1


def _bad_cases(world: World) -> dict[str, tuple[dict[str, Any], str, str]]:
    year = contact_date().year
    return {
        "date outside the year": (
            {"date": datetime.date(year - 1, 12, 31).isoformat()},
            "date",
            f"日期须在{year}工作年度内",
        ),
        "date no date at all": ({"date": "2026-13-45"}, "date", "请按“年-月-日”格式填写日期"),
        "date far away": ({"date": "9999-01-01"}, "date", "之间的日期"),
        "no unit": ({"units": []}, "units", "请至少选择一个单位"),
        "another committee's unit": (
            {"units": [str(world.other_unit.pk)]},
            "units",
            "请从列表中选择单位",
        ),
        "a forged unit id": ({"units": ["999999"]}, "units", "请从列表中选择单位"),
        "a unit id that is no number": ({"units": ["x1"]}, "units", "请从列表中选择单位"),
        "no subject": ({"subjects": []}, "subjects", "请至少勾选一项沟通联系内容"),
        "a subject that is none of the five": (
            {"subjects": ["weather"]},
            "subjects",
            "请从列表中选择沟通联系内容",
        ),
        "a file that is not what its name says": (
            {"attachments": upload("照片.pdf", samples.HTML)},
            "attachments",
            "照片.pdf",
        ),
        "a file of a kind contacts do not keep": (
            {"attachments": upload("记录.txt", "座谈记录".encode())},
            "attachments",
            "不能作为沟通联系的附件",
        ),
        "a year outside the work years": ({"year": "1999"}, "year", "2000"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "date outside the year",
        "date no date at all",
        "date far away",
        "no unit",
        "another committee's unit",
        "a forged unit id",
        "a unit id that is no number",
        "no subject",
        "a subject that is none of the five",
        "a file that is not what its name says",
        "a file of a kind contacts do not keep",
        "a year outside the work years",
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    world: World, case: str
) -> None:
    overrides, field, message = _bad_cases(world)[case]
    response = _client(world).post(CREATE, post_data(world, title="不应保存的座谈会", **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field]), form.errors[field]
    body = response.content.decode()
    assert message in body
    # What was typed is kept.
    assert "不应保存的座谈会" in body and "座谈了落实机关党建工作要点的情况。" in body
    assert "张三，组织部副部长" in body
    assert not Contact.objects.exists()
    assert not ContactPerson.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused_and_audited(world: World, settings: Any) -> None:
    settings.FILE_MAX_BYTES = 64
    big = samples.PDF + b"%" * 200
    response = _client(world).post(CREATE, post_data(world, attachments=upload("大文件.pdf", big)))
    assert response.status_code == 200
    assert "最大不能超过" in " ".join(response.context["form"].errors["attachments"]) or (
        "大文件.pdf" in " ".join(response.context["form"].errors["attachments"])
    )
    assert not Contact.objects.exists() and not Attachment.objects.exists()
    assert AuditEvent.objects.filter(event="file.upload_refused").exists()


def test_a_typed_line_too_long_is_refused_next_to_the_unit(world: World) -> None:
    unit = world.units[1]
    response = _client(world).post(
        CREATE, post_data(world, **{f"unit_{unit.pk}_typed": "某" * 60 + "，处长"})
    )
    assert f"unit_{unit.pk}_typed" in response.context["form"].errors
    assert not Contact.objects.exists()


def test_ticking_a_group_draws_the_form_again_with_its_units_and_saves_nothing(
    world: World,
) -> None:
    group_year = world.group_years[1]
    data = post_data(world, units=[str(world.units[0].pk)], tick_group=str(group_year.pk))
    response = _client(world).post(CREATE, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert [u.pk for u in form.chosen_units] == [
        world.units[0].pk,
        world.units[2].pk,
        world.units[3].pk,
    ]
    body = response.content.decode()
    assert "机关党建工作座谈会" in body
    # The people of each chosen unit are offered, from the registry.
    assert f'id="people-of-{world.units[2].pk}"' in body and "unit2_secretary" in body
    assert not Contact.objects.exists()


def test_a_unit_page_prefills_the_unit(world: World) -> None:
    unit = world.units[2]
    response = _client(world).get(f"{CREATE}?unit={unit.pk}")
    assert [u.pk for u in response.context["form"].chosen_units] == [unit.pk]


def test_edits_are_versioned_audited_and_shown_in_the_history(world: World) -> None:
    contact = make_contact(world)
    client = _client(world)
    edit = reverse("liaison:contact_edit", args=[contact.pk])
    form = client.get(edit).context["form"]
    assert form.initial["version"] == 1
    data = post_data(world, version="1", title="走访测试单位（补记）")
    data.pop("submission")
    assert client.post(edit, data).status_code == 302
    contact.refresh_from_db()
    assert contact.version == 2 and contact.title == "走访测试单位（补记）"
    # A second edit from the same, now stale, version is refused: the first one stays.
    data["title"] = "另一人的修改"
    response = client.post(edit, data)
    assert response.status_code == 200
    assert "此记录在您编辑期间已被他人修改" in response.content.decode()
    contact.refresh_from_db()
    assert contact.title == "走访测试单位（补记）"
    page = client.get(contact.get_absolute_url()).content.decode()
    assert page.count("contact-history-row") == 2
    assert "事项名称" in page or "标题" in page


def test_a_letter_is_not_recorded_here_but_sent_from_the_letters_form(world: World) -> None:
    from heli.liaison.contact_forms import ContactForm
    from heli.liaison.models import Form

    field: Any = ContactForm(committee=world.committee).fields["form"]
    offered = [value for _group, options in field.choices[1:] for value, _ in options]
    assert Form.LETTER not in offered and Form.SYMPOSIUM in offered
    client = Client()
    client.force_login(world.user("staff"))
    response = client.post(
        reverse("liaison:contact_create"),
        post_data(world, form=Form.LETTER, submission="no-letter"),
    )
    assert response.status_code == 200
    assert "form" in response.context["form"].errors
    assert not Contact.objects.exists()


def test_a_letters_contact_keeps_its_form_and_addressees_when_edited(world: World) -> None:
    from heli.liaison.models import Form
    from heli.liaison.tests.letter_helpers import send

    letter = send(world, units=[world.units[0], world.units[2]])
    contact = letter.contact
    edit = reverse("liaison:contact_edit", args=[contact.pk])
    client = _client(world)
    addressees = [str(world.units[0].pk), str(world.units[2].pk)]
    data = post_data(world, version="1", form=Form.LETTER, units=addressees)
    data.pop("submission")
    data["units"] = [*addressees, str(world.units[1].pk)]
    response = client.post(edit, data)
    assert response.status_code == 200
    assert "函件的单位即其主送单位" in response.content.decode()
    assert sorted(contact.units.values_list("pk", flat=True)) == sorted(
        [world.units[0].pk, world.units[2].pk]
    )
    data["units"] = addressees
    data["summary"] = "补记了各单位的反馈情况。"
    assert client.post(edit, data).status_code == 302
    contact.refresh_from_db()
    assert contact.form == Form.LETTER and contact.summary == "补记了各单位的反馈情况。"
