"""Form helpers: an action's refusal lands next to its field; a create form sent twice
creates once, and a refused one can be corrected and sent again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.translation import gettext as _

from heli.lib.forms import Created, apply_errors, bootstrap, create_once
from heli.lib.idempotency import new_token


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    kind = forms.ChoiceField(choices=[("a", "A")])
    sure = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def test_a_refusal_about_a_field_goes_next_to_it_and_others_above_the_form() -> None:
    form = NameForm({"name": "甲", "kind": "a"})
    assert form.is_valid()
    apply_errors(form, ValidationError({"name": ["名称已被占用。"], "elsewhere": ["别处。"]}))
    assert form.errors["name"] == ["名称已被占用。"]
    assert form.non_field_errors() == ["别处。"]
    other = NameForm({"name": "甲", "kind": "a"})
    other.is_valid()
    apply_errors(other, ValidationError("整体被拒绝。"))
    assert other.non_field_errors() == ["整体被拒绝。"]


def test_bootstrap_classes_mark_the_fields_in_error() -> None:
    form = bootstrap(NameForm({"name": "", "kind": "a"}))
    assert not form.is_valid()
    bootstrap(form)
    assert form.fields["name"].widget.attrs["class"] == "form-control is-invalid"
    assert form.fields["kind"].widget.attrs["class"] == "form-select"
    assert form.fields["sure"].widget.attrs["class"] == "form-check-input"
    assert "class" not in form.fields["secret"].widget.attrs


def _post(data: dict[str, Any]) -> HttpRequest:
    request = RequestFactory().post("/things/new/", data)
    request.user = AnonymousUser()
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    MessageMiddleware(lambda r: HttpResponse()).process_request(request)
    return request


class Maker:
    """Creates things, refusing a name it already has: a stand-in for an action."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def __call__(self, data: dict[str, Any]) -> Created:
        if data["name"] == "重复":
            raise ValidationError({"name": ["这个名称已经有了，请换一个。"]})
        self.made.append(data["name"])
        return Created(f"/things/{len(self.made)}/")


def _send(maker: Maker, data: dict[str, Any]) -> tuple[HttpRequest, HttpResponse]:
    request = _post(data)

    def render_form(form: NameForm, token: str) -> HttpResponse:
        return HttpResponse(f"{token}|{form.errors.get_json_data()}", status=200)

    response = create_once(
        request, NameForm(request.POST), maker, render_form=render_form, fallback_url="/things/"
    )
    return request, response


def test_a_form_sent_twice_creates_once_and_the_second_goes_to_the_record() -> None:
    maker = Maker()
    data = {"submission": new_token(), "name": "甲", "kind": "a"}
    _request, first = _send(maker, data)
    assert (first.status_code, first["Location"]) == (302, "/things/1/")
    request, second = _send(maker, data)
    assert (second.status_code, second["Location"]) == (302, "/things/1/")
    assert maker.made == ["甲"]
    assert [str(m) for m in get_messages(request)] == [
        _("This form was already sent; nothing was saved twice.")
    ]


def test_a_refused_form_keeps_its_token_free_for_the_corrected_one() -> None:
    maker = Maker()
    token = new_token()
    _request, refused = _send(maker, {"submission": token, "name": "重复", "kind": "a"})
    assert refused.status_code == 200
    shown_token, errors = refused.content.decode().split("|", 1)
    assert shown_token == token and "这个名称已经有了" in errors
    _request, invalid = _send(maker, {"submission": token, "name": "", "kind": "a"})
    assert invalid.status_code == 200 and maker.made == []
    _request, corrected = _send(maker, {"submission": token, "name": "乙", "kind": "a"})
    assert corrected["Location"] == "/things/1/" and maker.made == ["乙"]


def test_a_form_without_a_token_gets_one_when_shown_again() -> None:
    _request, response = _send(Maker(), {"name": "", "kind": "a"})
    token, _errors = response.content.decode().split("|", 1)
    assert len(token) >= 16


def test_the_first_page_of_a_create_can_be_its_own_answer() -> None:
    request = _post({"submission": new_token(), "name": "甲", "kind": "a"})
    response = create_once(
        request,
        NameForm(request.POST),
        lambda data: Created("/things/1/", HttpResponse("一次性密码", status=200)),
        render_form=lambda form, token: HttpResponse(status=400),
        fallback_url="/things/",
    )
    assert (response.status_code, response.content.decode()) == (200, "一次性密码")


def test_the_same_content_under_a_new_token_goes_to_what_it_made() -> None:
    """The back button loads the form again (a new token) with what was typed in it."""
    maker = Maker()

    def send(token: str, name: str) -> HttpResponse:
        request = _post({"submission": token, "name": name, "kind": "a"})
        return create_once(
            request,
            NameForm(request.POST),
            maker,
            render_form=lambda form, token: HttpResponse(status=400),
            fallback_url="/things/",
            same_as=lambda data: (
                f"/things/{maker.made.index(data['name']) + 1}/"
                if data["name"] in maker.made
                else None
            ),
        )

    assert send(new_token(), "甲")["Location"] == "/things/1/"
    again = send(new_token(), "甲")
    assert (again.status_code, again["Location"]) == (302, "/things/1/")
    assert send(new_token(), "乙")["Location"] == "/things/2/"
    assert maker.made == ["甲", "乙"]
