"""Proposing a topic through its form: in whose name, what is kept, every bad input
refused next to its field with what was typed kept, and a topic proposed from a liaison
contact keeping its origin."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.audit.models import AuditEvent
from heli.files.models import Attachment
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.liaison.tests.contact_helpers import make_contact
from heli.meetings.models import AgendaKind, Topic
from heli.notifications.models import Notification
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]

NEW = "/meetings/topics/new/"


def client_of(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def topic_post(world: World, **overrides: Any) -> dict[str, Any]:
    """What the form sends for a department's topic."""
    data: dict[str, Any] = {
        "submission": overrides.pop("submission", f"tok-{id(overrides)}"),
        "proposer": f"d{world.department.pk}",
        "year": str(timezone.localdate().year),
        "kind": AgendaKind.ISSUES,
        "title": "推动机关党建与业务深度融合",
        "description": "研究各单位党建与业务融合的做法，交流经验，提出改进措施。",
        "group": "",
        "origin": "",
    }
    data.update(overrides)
    return data


def test_the_url_names_are_the_agreed_ones() -> None:
    assert reverse("meetings:topic_new") == NEW
    assert reverse("meetings:topic_queue") == "/meetings/topics/queue/"
    assert reverse("meetings:topic_list") == "/meetings/topics/"
    assert reverse("meetings:topic_detail", args=[3]) == "/meetings/topics/3/"


def test_department_staff_propose_in_their_departments_name(world: World) -> None:
    client = client_of(world, "staff")
    page = client.get(NEW)
    assert page.status_code == 200
    body = page.content.decode()
    # One department: named, not chosen.
    assert 'id="topic-proposer"' in body and world.department.name in body
    files = [upload("背景材料.pdf", samples.PDF)]
    response = client.post(NEW, topic_post(world, attachments=files))
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert response["Location"] == topic.get_absolute_url()
    assert topic.proposer_department == world.department
    assert topic.proposer_unit is None and topic.group is None
    assert topic.proposed_by == world.user("staff")
    assert topic.status == Topic.Status.PROPOSED
    assert topic.year == timezone.localdate().year
    (kept,) = Attachment.objects.all()
    assert (kept.record_type, kept.record_id) == ("meetings.topic", topic.pk)
    assert AuditEvent.objects.filter(
        event="record.created", object_type="meetings.topic", object_id=str(topic.pk)
    ).exists()
    # The office is told, once; the proposer is not told of their own step.
    told = Notification.objects.filter(kind="meetings.topic_proposed")
    assert [n.recipient for n in told] == [world.user("office")]
    assert told.get().url == topic.get_absolute_url()
    # Sent again (back button, second click): still one topic, one notification.
    assert client.post(NEW, topic_post(world)).status_code == 302
    assert Topic.objects.count() == 1 and told.count() == 1


def test_a_department_topic_may_name_a_group(world: World) -> None:
    response = client_of(world, "staff").post(NEW, topic_post(world, group=str(world.groups[1].pk)))
    assert response.status_code == 302
    assert Topic.objects.get().group == world.groups[1]


def test_a_staff_member_of_two_departments_chooses_one(world: World) -> None:
    from heli.accounts.models import Role
    from heli.testing import grant

    staff = world.user("staff")
    grant(staff, Role.COMMITTEE_STAFF, department=world.office)
    client = client_of(world, "staff")
    page = client.get(NEW)
    form = page.context["form"]
    codes = [c for c, _label in form.fields["proposer"].choices]
    assert codes == [f"d{world.office.pk}", f"d{world.department.pk}"]
    assert client.post(NEW, topic_post(world, proposer=f"d{world.office.pk}")).status_code == 302
    assert Topic.objects.get().proposer_department == world.office
    # A department that is not theirs is no choice.
    other = client.post(NEW, topic_post(world, proposer="d999999", title="另一个议题"))
    assert other.status_code == 200 and "proposer" in other.context["form"].errors


def test_a_leader_proposes_in_their_own_name(world: World) -> None:
    response = client_of(world, "leader").post(NEW, topic_post(world, proposer="leader"))
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.proposer_department is None and topic.proposer_unit is None
    assert topic.proposed_by == world.user("leader")


def test_the_office_proposes_in_its_departments_name(world: World) -> None:
    response = client_of(world, "office").post(
        NEW, topic_post(world, proposer=f"d{world.office.pk}")
    )
    assert response.status_code == 302
    assert Topic.objects.get().proposer_department == world.office
    # The office is not told of its own proposal.
    assert not Notification.objects.exists()


def test_a_lead_units_secretary_proposes_for_its_group(world: World) -> None:
    client = client_of(world, "unit0_secretary")
    page = client.get(NEW)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="topic-group"' in body and world.groups[0].name in body
    proposer = page.context["form"].initial["proposer"]
    assert proposer.startswith("u")
    response = client.post(NEW, topic_post(world, proposer=proposer, group=str(world.groups[0].pk)))
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.proposer_unit == world.units[0]
    assert topic.group == world.groups[0]
    assert topic.proposer_department is None


def test_a_lead_unit_proposes_only_for_its_group_and_the_year_it_leads(world: World) -> None:
    client = client_of(world, "unit0_secretary")
    proposer = client.get(NEW).context["form"].initial["proposer"]
    year = timezone.localdate().year
    wrong_group = client.post(
        NEW, topic_post(world, proposer=proposer, group=str(world.groups[1].pk))
    )
    assert wrong_group.status_code == 200
    assert "group" in wrong_group.context["form"].errors
    assert "第一组" in " ".join(wrong_group.context["form"].errors["group"])
    wrong_year = client.post(
        NEW, topic_post(world, proposer=proposer, year=str(year + 1), group="")
    )
    assert wrong_year.status_code == 200
    assert str(year) in " ".join(wrong_year.context["form"].errors["year"])
    assert not Topic.objects.exists()


def english(client: Client) -> Client:
    """The pages in English: the Chinese of new messages is merged into the catalogue
    apart (what is checked here is the message itself, not Django's)."""
    client.cookies["django_language"] = "en"
    return client


def test_a_title_over_200_characters_is_refused_plainly(world: World) -> None:
    client = english(client_of(world, "staff"))
    response = client.post(NEW, topic_post(world, title="议" * 201))
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["Keep the title to 200 characters at most."]
    body = response.content.decode()
    assert "Keep the title to 200 characters at most." in body
    assert "研究各单位党建与业务融合的做法" in body
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": ""}, "kind"),
        ({"kind": "weather"}, "kind"),
        ({"title": "   "}, "title"),
        ({"description": ""}, "description"),
        ({"year": "1999"}, "year"),
        ({"year": "两千"}, "year"),
        ({"group": "999999"}, "group"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_kept(
    world: World, overrides: dict[str, str], field: str
) -> None:
    data = topic_post(world, **overrides)
    response = english(client_of(world, "staff")).post(NEW, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    # Not Django's own wording: a message of this form's (or the work year's).
    assert not any("Ensure" in e or "Select a valid" in e for e in form.errors[field])
    body = response.content.decode()
    if field != "description":
        assert "研究各单位党建与业务融合的做法" in body
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    "bad_file",
    [
        upload("照片.pdf", samples.HTML),  # not what its name says
        upload("说明.exe", b"MZ\x90\x00"),  # a kind Heli keeps not at all
    ],
    ids=["disguised", "refused-kind"],
)
def test_a_refused_file_keeps_everything_typed(world: World, bad_file: Any) -> None:
    typed = "这是一段很长的议题说明，" * 40
    response = client_of(world, "staff").post(
        NEW,
        topic_post(world, title="需要保留的标题", description=typed, attachments=[bad_file]),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "attachments" in form.errors
    body = response.content.decode()
    assert "需要保留的标题" in body and typed in body
    assert re.search(r'name="kind" value="issues"[^>]*checked', body)
    assert not Topic.objects.exists() and not Attachment.objects.exists()
    assert AuditEvent.objects.filter(event="file.upload_refused").exists()
    # The corrected form (the file left out) goes through with the same token.
    again = client_of(world, "staff").post(
        NEW, topic_post(world, title="需要保留的标题", description=typed)
    )
    assert again.status_code == 302


# --- From a liaison contact ---------------------------------------------------------------------


def test_a_contact_prefills_the_form_and_is_kept_as_the_origin(world: World) -> None:
    contact = make_contact(world, summary="单位反映党务干部配备不足，需在联席会上研究。")
    client = client_of(world, "staff")
    page = client.get(f"{NEW}?origin=liaison.contact:{contact.pk}")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["title"] == contact.title
    assert form.initial["description"] == contact.summary
    body = page.content.decode()
    assert f'data-origin="liaison.contact:{contact.pk}"' in body
    assert contact.get_absolute_url() in body
    response = client.post(
        NEW,
        topic_post(
            world,
            title=contact.title,
            description=contact.summary,
            origin=f"liaison.contact:{contact.pk}",
        ),
    )
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.origin_type, topic.origin_id) == ("liaison.contact", contact.pk)
    assert topic.origin_url == contact.get_absolute_url()
    assert contact.title in topic.origin_label
    detail = client.get(topic.get_absolute_url()).content.decode()
    assert f'href="{contact.get_absolute_url()}"' in detail


def test_the_contact_page_offers_the_button_and_lists_its_topics(world: World) -> None:
    contact = make_contact(world)
    staff = client_of(world, "staff")
    page = staff.get(contact.get_absolute_url()).content.decode()
    propose = f"/meetings/topics/new/?origin=liaison.contact:{contact.pk}"
    assert propose in page and "bi-megaphone" in page
    # No topic yet: no panel.
    assert 'id="panel-meetingscontact_topics"' not in page
    staff.post(NEW, topic_post(world, origin=f"liaison.contact:{contact.pk}"))
    topic = Topic.objects.get()
    page = staff.get(contact.get_absolute_url()).content.decode()
    assert 'id="panel-meetingscontact_topics"' in page
    assert f'href="{topic.get_absolute_url()}"' in page
    assert 'data-status="proposed"' in page
    # The contact's unit reads the contact, but may not propose, and sees no topic of a
    # department meant for any group.
    unit_page = client_of(world, "unit0_staff").get(contact.get_absolute_url())
    assert unit_page.status_code == 200
    body = unit_page.content.decode()
    assert propose not in body and 'id="panel-meetingscontact_topics"' not in body


@pytest.mark.parametrize(
    "origin",
    [
        "liaison.contact:987654",
        "liaison.contact:abc",
        "org.unit:1",
        "liaison.contact:",
        "liaison.contact:99999999999999999999999",
        "liaison.contact:１２",
    ],
)
def test_a_forged_origin_is_a_404_never_a_500(world: World, origin: str) -> None:
    assert client_of(world, "staff").get(f"{NEW}?origin={origin}").status_code == 404


def test_an_origin_the_proposer_may_not_see_is_a_404(world: World) -> None:
    # A contact with group 2's unit: the lead unit of group 1 cannot open it.
    contact = make_contact(world, units=[world.units[2]])
    client = client_of(world, "unit0_secretary")
    assert client.get(contact.get_absolute_url()).status_code == 404
    assert client.get(f"{NEW}?origin=liaison.contact:{contact.pk}").status_code == 404


def test_a_forged_origin_sent_with_the_form_is_refused_in_chinese(world: World) -> None:
    response = client_of(world, "staff").post(
        NEW, topic_post(world, origin="liaison.contact:987654")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["origin"]
    body = response.content.decode()
    assert 'id="origin-error"' in body
    # The refused origin is not sent again: the next send proposes without it.
    assert 'name="origin" value=""' in body
    assert not Topic.objects.exists()
