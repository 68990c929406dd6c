"""The committee replaces the notice's and the minutes' templates (and goes back)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from heli.files.models import Attachment
from heli.lib import officialdoc
from heli.meetings import documents
from heli.meetings.models import JointMeeting, MeetingSettings
from heli.meetings.tests.factories import make_meeting
from heli.testing import WORLD_USERS, World

pytestmark = pytest.mark.django_db
S = JointMeeting.Status
URL = "meetings:doc_templates"


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _template(kind: documents.TemplateKind, without: str = "") -> bytes:
    doc = officialdoc.OfficialDocument()
    doc.issuer_heading("自定义版头 {{issuer}}")
    for name in kind.placeholders[1:]:
        if name != without:
            doc.body([f"{{{{{name}}}}}"])
    return doc.to_bytes()


def _upload(client: Client, kind: str, content: bytes, name: str = "我的模板.docx") -> Any:
    url = reverse("meetings:doc_template_upload", args=[kind])
    upload = SimpleUploadedFile(name, content, "application/octet-stream")
    return client.post(url, {f"{kind}-file": upload})


@pytest.mark.parametrize("kind", list(documents.KINDS.values()), ids=list(documents.KINDS))
def test_the_shipped_templates_hold_every_placeholder(kind: documents.TemplateKind) -> None:
    assert kind.default_path.is_file()
    assert documents.missing_placeholders(kind, documents.default_template(kind)) == []
    # The file shipped is the one the builder makes (scripts/make_meeting_templates.py).
    assert officialdoc.placeholders_in(kind.build()) == set(kind.placeholders)


@pytest.mark.parametrize("name", WORLD_USERS)
def test_only_the_office_and_the_leaders_replace_templates(world: World, name: str) -> None:
    # The outsider leads the other committee: its own templates are its own to replace.
    expected = 200 if name in ("office", "leader", "outsider") else 404
    assert _client(world, name).get(reverse(URL)).status_code == expected, name
    url = reverse("meetings:doc_template_reset", args=["notice"])
    if expected == 404:
        assert _client(world, name).post(url, {"notice-reset-confirm": "on"}).status_code == 404


def test_a_committee_replaces_the_notice_template(world: World, storage: Any) -> None:
    client = _client(world, "office")
    bad = _upload(client, "notice", _template(documents.NOTICE, without="agenda"))
    assert bad.status_code == 400
    errors = " ".join(bad.context["cards"][0]["upload"].errors["file"])
    assert "{{agenda}}" in errors
    assert "缺少占位符" in bad.content.decode()
    not_word = _upload(client, "notice", b"plain text")
    assert not_word.status_code == 400
    wrong_name = _upload(client, "notice", _template(documents.NOTICE), name="模板.doc")
    assert wrong_name.status_code == 400
    assert not Attachment.objects.filter(record_type="meetings.meetingsettings").exists()
    good = _upload(client, "notice", _template(documents.NOTICE))
    assert good.status_code == 302
    meeting = make_meeting(world, status=S.NOTICE_SENT)
    content = client.get(reverse("meetings:notice_docx", args=[meeting.pk])).content
    texts = [p.text for p in officialdoc.open_docx(content).paragraphs if p.text]
    assert texts[0] == f"自定义版头 {world.committee.name}"
    # The minutes keep the default template: the kinds are apart.
    held = make_meeting(world, status=S.HELD)
    minutes = client.get(reverse("meetings:minutes_docx", args=[held.pk])).content
    assert officialdoc.open_docx(minutes).paragraphs[0].text == world.committee.name
    page = client.get(reverse(URL))
    assert 'data-kind="notice" data-custom="yes"' in page.content.decode()
    assert "我的模板.docx" in page.content.decode()
    assert "[notice]" not in page.content.decode()
    # Another committee keeps its own templates.
    other = _client(world, "outsider").get(reverse(URL)).content.decode()
    assert 'data-kind="notice" data-custom="no"' in other
    current = client.get(reverse(URL), {"download": "notice-current"}).content
    assert "自定义版头" in officialdoc.open_docx(current).paragraphs[0].text
    default = client.get(reverse(URL), {"download": "notice-default"}).content
    assert default == documents.default_template(documents.NOTICE)


def test_going_back_to_the_default_asks_first_and_keeps_the_history(
    world: World, storage: Any
) -> None:
    client = _client(world, "leader")
    assert _upload(client, "minutes", _template(documents.MINUTES)).status_code == 302
    settings = MeetingSettings.of(world.committee)
    assert documents.committee_template(settings, documents.MINUTES) is not None
    url = reverse("meetings:doc_template_reset", args=["minutes"])
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert refused.context["cards"][1]["reset"].errors["confirm"]
    assert documents.committee_template(settings, documents.MINUTES) is not None
    assert client.post(url, {"minutes-reset-confirm": "on"}).status_code == 302
    assert documents.committee_template(settings, documents.MINUTES) is None
    # Both files stay on record: the committee's template and the return to the default.
    assert len(documents.template_files(settings, documents.MINUTES)) == 2
    held = make_meeting(world, status=S.HELD)
    minutes = client.get(reverse("meetings:minutes_docx", args=[held.pk])).content
    assert officialdoc.open_docx(minutes).paragraphs[0].text == world.committee.name
    page = client.get(reverse(URL)).content.decode()
    assert 'data-kind="minutes" data-custom="no"' in page
    # Nothing to go back from: nothing is kept.
    assert client.post(url, {"minutes-reset-confirm": "on"}).status_code == 302
    assert len(documents.template_files(settings, documents.MINUTES)) == 2


def test_an_unknown_kind_is_a_404(world: World) -> None:
    client = _client(world, "office")
    url = reverse("meetings:doc_template_upload", args=["letter"])
    assert client.post(url, {}).status_code == 404


def test_a_hostile_template_is_refused_by_the_upload_checks_before_it_is_opened(
    world: World, storage: Any
) -> None:
    from heli.files.tests import samples

    client = _client(world, "office")
    response = _upload(client, "notice", samples.zeros_docx(200), name="模板.docx")
    assert response.status_code == 400
    assert "解压后的数据量" in " ".join(response.context["cards"][0]["upload"].errors["file"])
    assert not Attachment.objects.filter(record_type="meetings.meetingsettings").exists()
