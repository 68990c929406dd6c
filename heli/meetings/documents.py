"""The joint meeting's Word documents: the notice (会议通知) and the minutes (会议纪要), in the
layout of official documents (GB/T 9704-2012), from the committee's templates or the
default ones.

Both are filled into a template by :func:`heli.lib.officialdoc.fill_template`, as the
liaison area's letter is. A committee may replace either template with its own .docx; it is
kept through the upload mechanism as a file of its :class:`MeetingSettings` (as the letter's
template is a file of ``LiaisonSettings``), its name marked with the template's kind
(``[notice] …``, ``[minutes] …``), and the newest one of a kind is used. Going back to the
default keeps a file too, named :func:`reset_name`: the history of templates stays whole,
and the template shipped with Heli (newer, after an upgrade) is used again.

The documents' own words are official Chinese formulas, as a letter's addressees are; the
labels of choices (agenda kinds, outcomes) are in the committee's language.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from heli.files.models import Attachment, FileKind
from heli.lib import officialdoc
from heli.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionUnit,
    JointMeeting,
    MeetingSettings,
)
from heli.meetings.people import name_of
from heli.org.models import Unit

S = JointMeeting.Status
TEMPLATE_DIR = Path(__file__).resolve().parent / "doc_templates"
TEMPLATE_RECORD = MeetingSettings._meta.label_lower
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Beyond this many member units a notice is addressed to the group's units together.
NAMED_ADDRESSEES = 10
# Statuses from which each document can be printed.
NOTICE_FROM = frozenset({S.PLAN_APPROVED, S.NOTICE_SENT, S.HELD, S.MINUTES_APPROVED})
MINUTES_FROM = frozenset({S.HELD, S.MINUTES_APPROVED})
DRAFT_MARK = "（送审稿）"
# A line of the title in 2号 type holds 20 Chinese characters (156 mm at 22 pt); a title
# wider than this is broken in two rather than left with a word or two on its last line.
TITLE_CHARACTERS = 18
WEEKDAYS = "一二三四五六日"
NUMERALS = "一二三四五六七八九十"

NOTICE_PLACEHOLDERS = (
    "issuer",
    "title",
    "addressees",
    "opening",
    "time",
    "place",
    "agenda",
    "attendees",
    "requirements",
    "contact",
    "signer",
    "date",
)
MINUTES_PLACEHOLDERS = (
    "issuer",
    "title",
    "time",
    "place",
    "host",
    "attendance",
    "summary",
    "outcomes",
    "decisions",
    "signer",
    "date",
)


# --- The default templates ---------------------------------------------------------------


def _p(name: str) -> str:
    return f"{{{{{name}}}}}"


def build_notice_template() -> bytes:
    """The default template of a notice: every part in its place, as placeholders."""
    doc = officialdoc.OfficialDocument()
    doc.issuer_heading(_p("issuer"))
    doc.number_line("")
    doc.title(_p("title"))
    doc.addressees(_p("addressees"))
    doc.body([_p("opening")])
    doc.heading("一、会议时间")
    doc.body([_p("time")])
    doc.heading("二、会议地点")
    doc.body([_p("place")])
    doc.heading("三、会议议题")
    doc.body([_p("agenda")])
    doc.heading("四、参会人员")
    doc.body([_p("attendees")])
    doc.heading("五、有关要求")
    doc.body([_p("requirements")])
    doc.body([f"联系人：{_p('contact')}"])
    doc.signature(_p("signer"), _p("date"))
    return doc.to_bytes()


def build_minutes_template() -> bytes:
    """The default template of the minutes: every part in its place, as placeholders."""
    doc = officialdoc.OfficialDocument()
    doc.issuer_heading(_p("issuer"))
    doc.number_line("")
    doc.title(_p("title"))
    doc.body([f"时间：{_p('time')}", f"地点：{_p('place')}", f"承办单位：{_p('host')}"])
    doc.body([_p("attendance")])
    doc.body([_p("summary")])
    doc.heading("一、议题及议定情况")
    doc.body([_p("outcomes")])
    doc.heading("二、议定事项")
    doc.body([_p("decisions")])
    doc.signature(_p("signer"), _p("date"))
    return doc.to_bytes()


@dataclass(frozen=True)
class TemplateKind:
    """One replaceable template: the notice's or the minutes'."""

    code: str
    label: str | Promise
    placeholders: tuple[str, ...]
    build: Callable[[], bytes]

    @property
    def default_path(self) -> Path:
        return TEMPLATE_DIR / f"{self.code}.docx"

    @property
    def prefix(self) -> str:
        return f"[{self.code}] "


NOTICE = TemplateKind("notice", _("Meeting notice"), NOTICE_PLACEHOLDERS, build_notice_template)
MINUTES = TemplateKind(
    "minutes", _("Meeting minutes"), MINUTES_PLACEHOLDERS, build_minutes_template
)
KINDS: dict[str, TemplateKind] = {NOTICE.code: NOTICE, MINUTES.code: MINUTES}


def default_template(kind: TemplateKind) -> bytes:
    """The shipped template, or one built now when the file is missing."""
    if kind.default_path.is_file():
        return kind.default_path.read_bytes()
    return kind.build()


def reset_name(kind: TemplateKind) -> str:
    """The name of the file kept when a committee goes back to the default template; an
    upload is always named with the ``[kind] `` prefix, so it never takes this name."""
    return f"[{kind.code}-default].docx"


def template_files(meeting_settings: MeetingSettings, kind: TemplateKind) -> list[Attachment]:
    """The committee's templates of this kind, newest first (resets included)."""
    rows = Attachment.objects.filter(
        committee_id=meeting_settings.committee_id,
        record_type=TEMPLATE_RECORD,
        record_id=meeting_settings.pk,
        kind=FileKind.DOCX,
    ).order_by("-created_at", "-id")
    return [
        a
        for a in rows
        if a.original_name.startswith(kind.prefix) or a.original_name == reset_name(kind)
    ]


def committee_template(meeting_settings: MeetingSettings, kind: TemplateKind) -> Attachment | None:
    """The template of this kind the committee uploaded last, unless it went back to the
    default since."""
    files = template_files(meeting_settings, kind)
    if not files or files[0].original_name == reset_name(kind):
        return None
    return files[0]


def shown_name(kind: TemplateKind, attachment: Attachment) -> str:
    """The name an uploaded template had on the uploader's computer."""
    return attachment.original_name.removeprefix(kind.prefix)


def template_bytes(meeting_settings: MeetingSettings, kind: TemplateKind) -> bytes:
    uploaded = committee_template(meeting_settings, kind)
    if uploaded is not None and uploaded.path.is_file():
        return uploaded.path.read_bytes()
    return default_template(kind)


def missing_placeholders(kind: TemplateKind, data: bytes) -> list[str]:
    """The placeholders a template lacks, in the order of the parts; raises ``ValueError``
    for a file that is no Word document."""
    found = officialdoc.placeholders_in(data)
    return [name for name in kind.placeholders if name not in found]


# --- When each document can be printed ---------------------------------------------------


def notice_available(meeting: JointMeeting) -> bool:
    """From the approved plan on (a cancelled meeting has no notice to print)."""
    return meeting.status in NOTICE_FROM


def minutes_available(meeting: JointMeeting) -> bool:
    """Once the meeting is held; marked as a draft until the minutes are approved."""
    return meeting.status in MINUTES_FROM


# --- The words of the documents ----------------------------------------------------------


def chinese_number(n: int) -> str:
    """一, 二 … 十, 十一 … 九十九 (for the numbering （一）（二） of a list)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else NUMERALS[tens - 1]
    return f"{head}十{NUMERALS[ones - 1] if ones else ''}"


def meeting_time(meeting: JointMeeting) -> str:
    """2026年6月15日（星期一）9:00—11:00, in the committee's time zone."""
    start = timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.ends_at)
    day = f"{officialdoc.chinese_date(start.date())}（星期{WEEKDAYS[start.weekday()]}）"
    if end.date() == start.date():
        return f"{day}{_clock(start)}—{_clock(end)}"
    return f"{day}{_clock(start)}至{officialdoc.chinese_date(end.date())}{_clock(end)}"


def _clock(moment: datetime.datetime) -> str:
    """9:00, 14:30 (no leading zero, as official documents write the hour)."""
    return f"{moment.hour}:{moment:%M}"


def meeting_name(meeting: JointMeeting) -> str:
    """第一组2026年第1次联席会议."""
    return f"{meeting.group.name}{meeting.year}年第{meeting.sequence_in_year}次联席会议"


def title_width(text: str) -> float:
    """How many characters of the title's 2号 type a text takes (Latin digits half one)."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def notice_title(meeting: JointMeeting, *, lines: bool = False) -> str:
    """关于召开第一组2026年第1次联席会议的通知; with ``lines``, broken in two where the
    words allow when it is too long for one line of the page (GB/T 9704: 回行时要做到
    词意完整，排列对称)."""
    head = f"关于召开{meeting.group.name}{meeting.year}年"
    tail = f"第{meeting.sequence_in_year}次联席会议的通知"
    if lines and title_width(head + tail) > TITLE_CHARACTERS:
        return f"{head}\n{tail}"
    return head + tail


def minutes_title(meeting: JointMeeting, *, lines: bool = False) -> str:
    """第一组2026年第1次联席会议纪要, and （送审稿） until approved — on a line of its own
    with ``lines``."""
    title = f"{meeting_name(meeting)}纪要"
    if meeting.status != S.MINUTES_APPROVED:
        title += ("\n" if lines else "") + DRAFT_MARK
    return title


def organ_name(unit: Unit) -> str:
    """The unit's organ party organisation, as a notice addresses it: 市财政局机关党委."""
    org = getattr(unit, "organ_party_org", None)
    return str(org.name) if org is not None and org.name else f"{unit.name}机关党委"


def addressees(meeting: JointMeeting, units: Sequence[Unit]) -> str:
    if len(units) > NAMED_ADDRESSEES or not units:
        return f"{meeting.group.name}各成员单位机关党委（总支、支部）"
    return "、".join(organ_name(u) for u in units)


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs, as typed: one per line that holds text."""
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；：.!?" else f"{text}。"


def seat_person(seat: Attendance) -> str:
    """机关党委书记张三: the post and the name, as official documents name people (the
    name from the account when none was printed)."""
    name = seat.name or (name_of(seat.user) if seat.user is not None else "")
    return f"{seat.post}{name}"


def seat_label(seat: Attendance) -> str:
    """测试单位0机关党委书记张三; the liaison leader's seat has no unit."""
    person = seat_person(seat)
    if seat.unit is None:
        return person or "工委联系领导"
    return f"{seat.unit.name}{person}"


def ordered_seats(meeting: JointMeeting) -> list[Attendance]:
    """The meeting's seats: the liaison leader's first, then the units in their order."""
    seats = list(meeting.attendance.select_related("unit__organ_party_org", "user").order_by("id"))
    return sorted(
        seats,
        key=lambda s: (s.unit is not None, s.unit.sort_order if s.unit else 0, s.unit_id or 0),
    )


def member_units(meeting: JointMeeting) -> list[Unit]:
    """The units of the meeting's group in its year, in their order."""
    return list(
        Unit.objects.filter(memberships__group_year_id=meeting.group_year_id)
        .select_related("organ_party_org")
        .order_by("sort_order", "id")
    )


def agenda_of(meeting: JointMeeting) -> list[AgendaItem]:
    return list(meeting.agenda.select_related("topic", "reporter_unit").order_by("order", "id"))


def contact_line(meeting: JointMeeting) -> str:
    """Who answers questions about the meeting: the person who sent (or planned) it."""
    person = meeting.notice_sent_by or meeting.created_by
    name = name_of(person)
    title = str(getattr(person, "title", "") or "")
    return f"{name}（{title}）" if title else name


def notice_values(
    meeting: JointMeeting,
    meeting_settings: MeetingSettings,
    *,
    units: Sequence[Unit],
    seats: Sequence[Attendance],
    agenda: Sequence[AgendaItem],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The notice's texts: single values and lists of paragraphs, by placeholder."""
    issuer = meeting_settings.issuer or meeting.committee.name
    start = timezone.localtime(meeting.starts_at)
    opening = (
        f"经研究，定于{officialdoc.chinese_date(start.date())}召开{meeting_name(meeting)}，"
        f"由{meeting.host.name}承办。现将有关事项通知如下："
    )
    topics: list[str] = []
    materials: list[str] = []
    for number, item in enumerate(agenda, start=1):
        line = f"（{chinese_number(number)}）{item.topic.title}"
        if item.reporter_unit is not None:
            line += f"（{item.reporter_unit.name}汇报）"
        line = _sentence(line)
        if item.reporter_note:
            line += _sentence(item.reporter_note)
        topics.append(line)
        if item.materials_note:
            who = f"请{item.reporter_unit.name}" if item.reporter_unit is not None else "请"
            materials.append(
                _sentence(f"{who}就第（{chinese_number(number)}）项议题准备{item.materials_note}")
            )
    if not topics:
        topics = ["议题另行通知。"]
    if seats:
        attendees = [f"{number}. {seat_label(seat)}" for number, seat in enumerate(seats, start=1)]
    else:
        attendees = [
            "各成员单位机关党委（总支、支部）书记"
            + ("，工委联系领导" if meeting.group_year.liaison_leader_id else "")
            + "。"
        ]
    requirements = [*materials, *paragraphs(meeting.plan_notes), *paragraphs(meeting.notice_text)]
    if meeting.reply_by is not None:
        requirements.append(
            f"请各成员单位于{officialdoc.chinese_date(meeting.reply_by)}前在合力平台确认参会人员；"
            "确有特殊情况不能参会的，请注明替会人员或请假事由。"
        )
    else:
        requirements.append(
            "请各成员单位收到通知后在合力平台确认参会人员；"
            "确有特殊情况不能参会的，请注明替会人员或请假事由。"
        )
    numbered = [f"{n}. {text}" for n, text in enumerate(requirements, start=1)]
    written = timezone.localtime(meeting.notice_sent_at).date() if meeting.notice_sent_at else None
    values = {
        "issuer": issuer,
        "title": notice_title(meeting, lines=True),
        "addressees": addressees(meeting, units),
        "opening": opening,
        "time": meeting_time(meeting),
        "place": meeting.place,
        "contact": contact_line(meeting),
        "signer": issuer,
        "date": officialdoc.chinese_date(written or timezone.localdate()),
    }
    lists = {"agenda": topics, "attendees": attendees, "requirements": numbered}
    return values, lists


def notice_docx(meeting: JointMeeting, meeting_settings: MeetingSettings) -> bytes:
    """The notice as a Word document, from the committee's template."""
    with translation.override(settings.LANGUAGE_CODE):
        values, lists = notice_values(
            meeting,
            meeting_settings,
            units=member_units(meeting),
            seats=ordered_seats(meeting),
            agenda=agenda_of(meeting),
        )
    return officialdoc.fill_template(template_bytes(meeting_settings, NOTICE), values, lists)


def _names(seats: Iterable[Attendance], *, with_note: bool = False) -> str:
    parts = []
    for seat in seats:
        text = seat_label(seat)
        if seat.presence == Attendance.Presence.SUBSTITUTE:
            unit = seat.unit.name if seat.unit is not None else ""
            instead = f"代{seat.name}" if seat.name else "替会"
            text = f"{unit}{seat.substitute_post}{seat.substitute_name or '替会人员'}（{instead}）"
        note = seat.presence_note or seat.reply_note
        if with_note and note:
            text += f"（{note}）"
        parts.append(text)
    return "、".join(parts)


# How the minutes say each outcome of a topic.
OUTCOME_WORDS: dict[str, str] = {
    AgendaItem.Outcome.PENDING: "（议定情况未记录。）",
    AgendaItem.Outcome.AGREED: "会议同意。",
    AgendaItem.Outcome.DISCUSSED: "会议进行了讨论。",
    AgendaItem.Outcome.DECIDED: "会议作出议定，详见议定事项。",
    AgendaItem.Outcome.NOT_REACHED: "本次会议未及研究，转下次会议。",
}

SAID_BY_TEXT = frozenset({AgendaItem.Outcome.AGREED, AgendaItem.Outcome.DISCUSSED})

PRESENCE_LINES = (
    (Attendance.Presence.PRESENT, "出席", False),
    (Attendance.Presence.SUBSTITUTE, "委托出席", False),
    (Attendance.Presence.LEAVE, "请假", True),
    (Attendance.Presence.ABSENT, "缺席", True),
    (Attendance.Presence.UNKNOWN, "未签到", False),
)


def attendance_lines(seats: Sequence[Attendance]) -> list[str]:
    """出席：…；委托出席：…；请假：…；缺席：… — each as signed in at the meeting."""
    lines = []
    for presence, label, with_note in PRESENCE_LINES:
        chosen = [s for s in seats if s.presence == presence]
        if chosen:
            lines.append(f"{label}：{_names(chosen, with_note=with_note)}。")
    return lines or ["参会情况未记录。"]


def decision_line(number: int, decision: Decision, units: Sequence[Unit]) -> str:
    parts = [f"{number}. {decision.number}　{_sentence(decision.title)}"]
    if decision.content.strip():
        parts.append(" ".join(_sentence(p) for p in paragraphs(decision.content)))
    facts = [f"牵头单位：{decision.lead_unit.name}"]
    if units:
        facts.append(f"配合单位：{'、'.join(u.name for u in units)}")
    facts.append(f"督办处室：{decision.department.name}")
    facts.append(f"完成时限：{officialdoc.chinese_date(decision.deadline)}")
    parts.append("；".join(facts) + "。")
    return "".join(parts)


def minutes_values(
    meeting: JointMeeting,
    meeting_settings: MeetingSettings,
    *,
    seats: Sequence[Attendance],
    agenda: Sequence[AgendaItem],
    decisions: Sequence[Decision],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The minutes' texts: single values and lists of paragraphs, by placeholder."""
    issuer = meeting_settings.issuer or meeting.committee.name
    outcomes = []
    for number, item in enumerate(agenda, start=1):
        line = f"（{chinese_number(number)}）{_sentence(item.topic.title)}"
        written = item.outcome_text.strip()
        # What the topic came to, in the usual words — unless the text says it itself.
        if not (written and item.outcome in SAID_BY_TEXT):
            line += OUTCOME_WORDS.get(item.outcome, "")
        if written:
            line += " ".join(_sentence(p) for p in paragraphs(item.outcome_text))
        outcomes.append(line)
    decision_lines = [
        decision_line(n, d, [link.unit for link in d.unit_links.all()])
        for n, d in enumerate(decisions, start=1)
    ]
    if meeting.minutes_approved_at is not None:
        dated = timezone.localtime(meeting.minutes_approved_at).date()
    else:
        dated = timezone.localdate()
    values = {
        "issuer": issuer,
        "title": minutes_title(meeting, lines=True),
        "time": meeting_time(meeting),
        "place": meeting.place,
        "host": meeting.host.name,
        "signer": issuer,
        "date": officialdoc.chinese_date(dated),
    }
    lists = {
        "attendance": attendance_lines(seats),
        "summary": paragraphs(meeting.minutes) or ["（会议概述待填写。）"],
        "outcomes": outcomes or ["本次会议无议题。"],
        "decisions": decision_lines or ["本次会议无议定事项。"],
    }
    return values, lists


def decisions_of(meeting: JointMeeting) -> list[Decision]:
    return list(
        meeting.decisions.select_related("group", "lead_unit", "department")
        .prefetch_related(
            Prefetch(
                "unit_links",
                queryset=DecisionUnit.objects.select_related("unit").order_by(
                    "unit__sort_order", "unit_id"
                ),
            )
        )
        .order_by("serial")
    )


def minutes_docx(meeting: JointMeeting, meeting_settings: MeetingSettings) -> bytes:
    """The minutes as a Word document, from the committee's template; a draft until
    approved (the title says so)."""
    with translation.override(settings.LANGUAGE_CODE):
        values, lists = minutes_values(
            meeting,
            meeting_settings,
            seats=ordered_seats(meeting),
            agenda=agenda_of(meeting),
            decisions=decisions_of(meeting),
        )
    return officialdoc.fill_template(template_bytes(meeting_settings, MINUTES), values, lists)


def file_name(meeting: JointMeeting, kind: TemplateKind) -> str:
    if kind is NOTICE:
        return f"{notice_title(meeting)}.docx"
    return f"{minutes_title(meeting)}.docx"
