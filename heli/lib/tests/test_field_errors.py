"""A form that comes back with errors names each message from its field: the field is
marked invalid (aria-invalid) and points at its message (aria-describedby), a group of
boxes points at it from its fieldset, and every id a field points at is on the page.

Each area's main forms are sent empty, the way a person who presses "save" too early
does, and the page that comes back is read as the browser's accessibility tree would
read it: by the ids in the HTML.
"""

from __future__ import annotations

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from lxml import html

from heli.lib.forms import bootstrap
from heli.testing import World

pytestmark = pytest.mark.django_db

# (who sends it, the form's page): each form of an area that a person fills in.
FORMS = [
    ("staff", "tracking:task_create"),
    ("staff", "liaison:contact_create"),
    ("staff", "liaison:letter_create"),
    ("office", "meetings:topic_new"),
    ("office", "meetings:meeting_new"),
    ("office", "org:unit_create"),
    ("staff", "accounts:password_change"),
]


def described_by(element: html.HtmlElement) -> list[str]:
    return (element.get("aria-describedby") or "").split()


def check_errors_are_linked(content: str) -> list[str]:
    """What is wrong with how the page's field errors are tied to their fields."""
    tree = html.fromstring(content)
    by_id = {e.get("id"): e for e in tree.iter() if isinstance(e.tag, str) and e.get("id")}
    problems = []
    for element in tree.xpath("//*[@aria-describedby]"):
        missing = [ref for ref in described_by(element) if ref not in by_id]
        if missing:
            problems.append(f"<{element.tag} id={element.get('id')}> points at no {missing}")
    named = {ref for e in tree.xpath("//*[@aria-describedby]") for ref in described_by(e)}
    invalid = tree.xpath("//*[@aria-invalid='true']")
    for field in invalid:
        group = field.xpath("ancestor::fieldset[@aria-describedby]")
        refs = described_by(field) or (described_by(group[0]) if group else [])
        messages = [
            by_id[ref] for ref in refs if ref in by_id and "invalid-feedback" in by_id[ref].classes
        ]
        if not messages or not any(m.text_content().strip() for m in messages):
            problems.append(f"<{field.tag} name={field.get('name')}> names no error message")
    for message in tree.xpath("//*[contains(concat(' ', @class, ' '), ' invalid-feedback ')]"):
        if not message.text_content().strip():
            continue
        if message.get("id") not in named:
            problems.append(f"message {message.text_content().strip()!r} is named by no field")
    if not invalid:
        problems.append("no field is marked invalid")
    return problems


# The areas' templates that draw one field with its label, message and help.
FIELD_TEMPLATES = [
    "tracking/partials/form_field.html",
    "accounts/partials/field.html",
    "liaison/contact_field.html",
    "liaison/letter_field.html",
    "meetings/doc_field.html",
    "meetings/meeting_field.html",
    "meetings/reply_field.html",
    "meetings/topic_field.html",
]


class SampleForm(forms.Form):
    title = forms.CharField(label="名称", help_text="写明事项。")
    sure = forms.BooleanField(label="确认", help_text="勾选以确认。")


@pytest.mark.parametrize("template", FIELD_TEMPLATES)
@pytest.mark.parametrize("name", ["title", "sure"])
def test_each_field_template_ties_the_message_and_the_help_to_the_field(
    template: str, name: str
) -> None:
    form = bootstrap(SampleForm({}))
    assert not form.is_valid()
    content = render_to_string(template, {"field": form[name]})
    (field,) = html.fromstring(f"<form>{content}</form>").xpath(f"//input[@name='{name}']")
    assert field.get("aria-invalid") == "true"
    assert described_by(field) == [f"id_{name}_helptext", f"id_{name}_error"]
    assert check_errors_are_linked(content) == []


@pytest.mark.parametrize(("username", "name"), FORMS)
def test_an_empty_form_comes_back_with_each_error_tied_to_its_field(
    client: Client, world: World, username: str, name: str
) -> None:
    client.force_login(world.user(username))
    url = reverse(name)
    assert client.get(url).status_code == 200
    response = client.post(url, {})
    # A refused form answers 200, or 400 where an area says the request was bad.
    assert response.status_code in (200, 400), f"{url} answered {response.status_code}"
    content = response.content.decode()
    assert "invalid-feedback" in content
    assert check_errors_are_linked(content) == []


def test_the_sign_in_form_ties_its_error_to_the_field(client: Client, world: World) -> None:
    response = client.post(reverse("accounts:login"), {"username": "staff", "password": ""})
    content = response.content.decode()
    tree = html.fromstring(content)
    (password,) = tree.xpath("//input[@name='password']")
    assert password.get("aria-invalid") == "true"
    (message,) = tree.xpath(f"//*[@id='{described_by(password)[0]}']")
    assert "invalid-feedback" in message.classes and message.text_content().strip()
    assert check_errors_are_linked(content) == []


def test_the_checker_finds_an_untied_message() -> None:
    # A message with no field naming it, and a field naming a message that is not there.
    page = (
        '<form><input name="a" aria-invalid="true" aria-describedby="id_a_error">'
        '<div class="invalid-feedback">必填</div></form>'
    )
    problems = check_errors_are_linked(page)
    assert any("points at no" in p for p in problems)
    assert any("named by no field" in p for p in problems)
    assert any("names no error message" in p for p in problems)
