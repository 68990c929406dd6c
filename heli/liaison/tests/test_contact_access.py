"""Each side sees its own: who sees a contact, its files and its matters, who records and
raises matters, and the list's fixed number of queries at two sizes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.accounts.models import Role, RoleAssignment
from heli.files.actions import store_upload
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.liaison.models import Contact, ContactUnit, Form, Subject
from heli.liaison.tests.contact_helpers import make_contact
from heli.org.models import Unit
from heli.testing import WORLD_USERS, World, build_sized_committee, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]

# Who sees a contact with units[0]: the committee's business roles and units[0]'s people.
SEES = {"leader", "staff", "office", "unit0_leadership", "unit0_secretary", "unit0_staff"}
RECORDS = {"leader", "staff", "office"}


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_sees_a_contact_its_files_and_its_matters(world: World, name: str) -> None:
    contact = make_contact(world, units=world.units[:2])
    pdf = store_upload(
        upload("签字记录.pdf", samples.PDF),
        committee=world.committee,
        unit=None,
        by=world.user("staff"),
        belongs_to=contact,
    )
    from heli.liaison.contacts import raise_matter

    task = raise_matter(
        contact,
        title="解决党务干部配备不足问题",
        lead_unit=world.units[0],
        department=world.department,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        by=world.user("staff"),
    )
    client = _client(world, name)
    expected = 200 if name in SEES else 404
    assert client.get(contact.get_absolute_url()).status_code == expected
    assert client.get(reverse("files:download", args=[pdf.pk])).status_code == expected
    assert client.get(reverse("tracking:task_detail", args=[task.pk])).status_code == expected
    listed = client.get(reverse("liaison:contact_list"))
    if name in SEES:
        assert contact.title in listed.content.decode()
    else:
        assert listed.status_code == 404 or contact.title not in listed.content.decode()


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_records_contacts_and_raises_matters(world: World, name: str) -> None:
    contact = make_contact(world)
    client = _client(world, name)
    may = name in RECORDS
    # Another committee's leader records contacts, of their own committee only.
    create = client.get(reverse("liaison:contact_create"))
    assert create.status_code == (200 if may or name == "outsider" else 404)
    edit = client.get(reverse("liaison:contact_edit", args=[contact.pk]))
    assert edit.status_code == (200 if may else 404)
    response = client.post(
        reverse("liaison:contact_matter", args=[contact.pk]),
        {
            "submission": f"m-{name}",
            "title": "问题",
            "lead_unit": world.units[0].pk,
            "department": world.department.pk,
            "deadline": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        },
    )
    if not may:
        assert response.status_code == 404
    page = client.get(contact.get_absolute_url())
    if page.status_code == 200:
        assert ('id="matter-form"' in page.content.decode()) is may


def test_a_matter_goes_to_one_of_the_contacts_units_only(world: World) -> None:
    contact = make_contact(world)
    client = _client(world, "staff")
    response = client.post(
        reverse("liaison:contact_matter", args=[contact.pk]),
        {
            "submission": "m1",
            "title": "问题",
            "lead_unit": world.units[3].pk,
            "department": world.department.pk,
            "deadline": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "请从本次沟通联系的单位中选择牵头单位" in response.content.decode()


def test_another_committees_leader_and_a_forged_id_get_404(world: World) -> None:
    contact = make_contact(world)
    assert _client(world, "outsider").get(contact.get_absolute_url()).status_code == 404
    assert _client(world, "staff").get("/liaison/contacts/987654/").status_code == 404


def _sized(n_units: int, contacts_per_unit: int = 2) -> Any:
    committee = build_sized_committee(n_units)
    reader = make_user(committee, f"reader{n_units}")
    RoleAssignment.objects.create(user=reader, committee=committee, role=Role.COMMITTEE_LEADER)
    units = list(Unit.objects.filter(committee=committee).order_by("sort_order"))
    year = timezone.localdate().year
    made = Contact.objects.bulk_create(
        Contact(
            committee=committee,
            year=year,
            form=Form.values[i % len(Form.values)],
            subjects=[Subject.values[i % 5]],
            date=datetime.date(year, 1 + i % 12, 1 + i % 28),
            title=f"沟通联系{i}",
            created_by=reader,
        )
        for i in range(n_units * contacts_per_unit)
    )
    ContactUnit.objects.bulk_create(
        ContactUnit(committee=committee, contact=c, unit=units[(i + k) % n_units])
        for i, c in enumerate(made)
        for k in range(1 + i % 4)
    )
    return reader


def _group(reader: Any) -> int:
    from heli.org.models import Group

    group = Group.objects.filter(committee=reader.committee).order_by("number").first()
    assert group is not None
    return group.pk


@pytest.mark.parametrize("n_units", [122, 1220])
def test_the_contact_list_runs_a_fixed_number_of_queries(
    n_units: int, django_assert_max_num_queries: Any
) -> None:
    reader = _sized(n_units)
    client = Client()
    client.force_login(reader)
    query = f"?year={timezone.localdate().year}&form=face&page=2"
    with django_assert_max_num_queries(16):
        response = client.get(reverse("liaison:contact_list") + query)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 30
    with django_assert_max_num_queries(16):
        assert (
            client.get(
                reverse("liaison:contact_list") + f"?group={_group(reader)}&subject=views"
            ).status_code
            == 200
        )
