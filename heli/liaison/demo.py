"""The demonstration committee's contacts (示例沟通联系): last year's and this year's.

``load_demo_contacts(committee)`` writes a year and a half of liaison work, relative to
the day it runs (like the battle map's demonstration tasks):

* last year every unit but a few was reached — those few show red on last year's board;
* this year most units are reached and some are not yet — late in the year they show
  amber, earlier blue-grey — so the forecast has a pace to measure and units left;
* every form: three letters a year, with their document numbers and receipts (last
  year's all signed, this year's latest one only partly: some units signed and answered,
  some only signed, some neither), a symposium per group with several of its units,
  visits, and one contact through each information channel; all five subjects;
* the people present on both sides (the demonstration accounts), and summaries;
* matters raised in symposiums and visits, as tasks on the battle map in every state,
  some contacts with all their matters closed ("已全部办结").

The rows are written in bulk, as ``heli.tracking.demo`` writes its tasks and for the same
reasons: the history must carry the dates it happened on (sending a letter, signing for
it and the task actions stamp the present moment, and tell people), and a hundred-odd
contacts through the actions would take thousands of statements and notifications. What
is written is what the actions write: the task source's own fields
(:mod:`heli.liaison.sources`), letter numbers from the committee's counter in the order
the letters were sent (:func:`heli.liaison.letters.next_serial`, so a letter sent after
the load takes the next number), receipts signed before they are answered, each
matter's steps in the order the workflow allows, and the contact's
``matters_handled_at`` once its last matter is closed. One audit row records the load.

Deterministic (a seeded ``random.Random`` per year) and idempotent: a contact is found by
(committee, year, title) and never created twice, with its people, letter and matters.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone

from heli.accounts.models import Role, RoleAssignment, User
from heli.audit import events
from heli.audit.actions import record
from heli.liaison import demo_data as data
from heli.liaison import letters
from heli.liaison import sources as liaison_sources
from heli.liaison.models import (
    Contact,
    ContactPerson,
    ContactUnit,
    Form,
    Letter,
    LetterReceipt,
)
from heli.lib import demo
from heli.org.demo_data import DEMO_UNIT
from heli.org.models import Committee, Department, GroupMembership, GroupYear, OrganPartyOrg, Unit
from heli.tracking import numbers
from heli.tracking import sources as task_sources
from heli.tracking.demo import _events, _moments
from heli.tracking.models import ProgressReport, Task, TaskTransition
from heli.tracking.workflow import Status, Step

SEED = 2026
# Units left unreached: last year's show red, this year's amber late in the year.
UNREACHED = {"last": 4, "this": 14}
LETTER_UNITS = (12, 18)
SYMPOSIUM_UNITS = (3, 5)
INFORMATION_UNITS = (3, 6)
EXTRA_VISITS = 8
# This year's matters go through every state, in this order, round and round.
THIS_YEAR_STATES: tuple[Status, ...] = (
    Status.ASSIGNED,
    Status.RECEIVED,
    Status.IN_PROGRESS,
    Status.REPORTED_DONE,
    Status.RETURNED,
    Status.LONG_RUNNING,
    Status.CLOSED,
    Status.CLOSED,
    Status.IN_PROGRESS,
    Status.CLOSED,
)
LAST_YEAR_MIX: tuple[tuple[Status, int], ...] = (
    (Status.CLOSED, 85),
    (Status.LONG_RUNNING, 10),
    (Status.IN_PROGRESS, 5),
)
# How much of this year's latest letter is signed for and answered (and the earlier ones').
SIGNED_SHARE = (1.0, 0.9, 0.55)
ANSWERED_SHARE = (0.85, 0.6, 0.35)

LABELS = {
    "contact": "沟通联系",
    "contact_person": "沟通联系参加人员",
    "letter": "函件",
    "letter_receipt": "函件签收记录",
    "matter": "沟通联系提出的事项",
}


@dataclass
class DemoContactsResult:
    """What a load created (zero everywhere on a second run)."""

    created: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.created)


@dataclass
class _Matter:
    task: Task
    events: list[tuple[str, Any]]
    times: list[datetime.datetime]


@dataclass
class _Plan:
    contact: Contact
    units: list[Unit]
    people: list[ContactPerson] = field(default_factory=list)
    letter: Letter | None = None
    receipts: list[LetterReceipt] = field(default_factory=list)
    matters: list[_Matter] = field(default_factory=list)


@dataclass
class _World:
    """What the plans are drawn from: the committee's units, groups and people."""

    committee: Committee
    today: datetime.date
    now: datetime.datetime
    units: list[Unit]
    groups: dict[int, list[tuple[GroupYear, list[Unit]]]]  # per year, by group number
    secretaries: dict[int, User]
    unit_staff: dict[int, User]
    departments: dict[str, Department]
    department_staff: dict[int, User]
    leader: User
    recorders: list[User]
    group_of: dict[tuple[int, int], GroupYear]  # (year, unit id)
    prefix: str
    signer: str


def _gather(committee: Committee, today: datetime.date, years: tuple[int, ...]) -> _World | None:
    units = list(
        Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE).order_by(
            "sort_order", "id"
        )
    )
    leader = (
        User.objects.filter(
            role_assignments__committee=committee,
            role_assignments__role=Role.COMMITTEE_LEADER,
            is_active=True,
        )
        .order_by("id")
        .first()
    )
    if not units or leader is None:
        return None
    by_pk = {u.pk: u for u in units}
    groups: dict[int, list[tuple[GroupYear, list[Unit]]]] = {}
    group_of: dict[tuple[int, int], GroupYear] = {}
    for year in years:
        group_years = list(
            GroupYear.objects.filter(committee=committee, year=year)
            .select_related("group", "liaison_leader")
            .order_by("group__number")
        )
        members: dict[int, list[Unit]] = {gy.pk: [] for gy in group_years}
        for gy_id, unit_id in GroupMembership.objects.filter(
            committee=committee, year=year
        ).values_list("group_year_id", "unit_id"):
            if unit_id in by_pk and gy_id in members:
                members[gy_id].append(by_pk[unit_id])
        groups[year] = [(gy, sorted(members[gy.pk], key=_order)) for gy in group_years]
        for gy, listed in groups[year]:
            for unit in listed:
                group_of[(year, unit.pk)] = gy
    secretaries = {
        org.unit_id: org.secretary
        for org in OrganPartyOrg.objects.filter(
            committee=committee, secretary__isnull=False
        ).select_related("secretary")
        if org.secretary is not None
    }
    unit_staff: dict[int, User] = {}
    department_staff: dict[int, User] = {}
    rows = (
        RoleAssignment.objects.filter(
            committee=committee,
            role__in=[Role.UNIT_STAFF, Role.COMMITTEE_STAFF],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    )
    for row in rows:
        if row.role == Role.UNIT_STAFF and row.unit_id is not None:
            unit_staff.setdefault(row.unit_id, row.user)
        elif row.role == Role.COMMITTEE_STAFF and row.department_id is not None:
            department_staff.setdefault(row.department_id, row.user)
    departments = {d.name: d for d in Department.objects.filter(committee=committee)}
    recorders = [
        department_staff[departments[name].pk]
        for name in ("组织部", "宣传部")
        if name in departments and departments[name].pk in department_staff
    ] or [leader]
    liaison = letters.settings_of(committee)
    prefix, signer = liaison.letter_prefix, letters.issuer_of(committee, liaison)
    return _World(
        committee,
        today,
        timezone.now(),
        units,
        groups,
        secretaries,
        unit_staff,
        departments,
        department_staff,
        leader,
        recorders,
        group_of,
        prefix,
        signer,
    )


def _order(unit: Unit) -> tuple[int, int]:
    return unit.sort_order, unit.pk


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    moment = datetime.time(rng.randint(9, 16), rng.randint(0, 59))
    return datetime.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _post(user: User, fallback: str) -> str:
    return user.title or fallback


class _Planner:
    """Draws one year's contacts; the draws never depend on what the database holds."""

    def __init__(self, w: _World, year: int, seed: int) -> None:
        self.w = w
        self.year = year
        self.rng = random.Random(f"{seed}:{w.committee.code}:liaison:{year}")  # noqa: S311
        self.last_year = year < w.today.year
        self.start = datetime.date(year, 1, 8)
        self.end = (
            datetime.date(year, 12, 18)
            if self.last_year
            else min(w.today - datetime.timedelta(days=2), datetime.date(year, 12, 18))
        )
        self.plans: list[_Plan] = []
        self.matter_count = 0

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 0)

    def day(self, share: float) -> datetime.date:
        return self.start + datetime.timedelta(days=int(self.days * share))

    def contact(
        self, form: str, text: Any, units: list[Unit], day: datetime.date, **fill: str
    ) -> _Plan:
        w = self.w
        recorder = w.recorders[len(self.plans) % len(w.recorders)]
        contact = Contact(
            committee=w.committee,
            year=self.year,
            form=form,
            subjects=list(text.subjects),
            date=day,
            title=text.title.format(year=self.year, **fill)[:200],
            summary=text.summary.format(year=self.year, **fill),
            created_by=recorder,
        )
        plan = _Plan(contact, units)
        self.plans.append(plan)
        return plan

    def present(self, plan: _Plan, *, visit: bool = False) -> None:
        """The committee's and the units' people at a face-to-face contact."""
        w, units = self.w, plan.units
        gy = w.group_of.get((self.year, units[0].pk))
        committee_side = [gy.liaison_leader if gy and gy.liaison_leader else w.leader]
        committee_side.append(plan.contact.created_by)
        order = 0
        for user in dict.fromkeys(committee_side):
            plan.people.append(
                ContactPerson(
                    committee=w.committee,
                    contact=plan.contact,
                    side=ContactPerson.Side.COMMITTEE,
                    user=user,
                    name=user.full_name or user.username,
                    post=_post(user, ""),
                    sort_order=order,
                )
            )
            order += 1
        for unit in units:
            people: list[tuple[User | None, str]] = [(w.secretaries.get(unit.pk), "机关党委书记")]
            if visit:
                people.append((w.unit_staff.get(unit.pk), "机关党委工作人员"))
            for someone, post in people:
                if someone is None:
                    continue
                plan.people.append(
                    ContactPerson(
                        committee=w.committee,
                        contact=plan.contact,
                        side=ContactPerson.Side.UNIT,
                        unit=unit,
                        user=someone,
                        name=someone.full_name or someone.username,
                        post=_post(someone, post),
                        sort_order=order,
                    )
                )
                order += 1

    def letter(self, plan: _Plan, index: int, text: data.LetterText) -> None:
        w, rng = self.w, self.rng
        sent = min(_at(plan.contact.date, rng), w.now - datetime.timedelta(hours=1))
        plan.letter = Letter(
            committee=w.committee,
            contact=plan.contact,
            year=self.year,
            serial=0,  # allotted from the counter when written
            number="",
            title=plan.contact.title,
            body=text.body.format(year=self.year),
            signer=w.signer,
            sent_at=sent,
            sent_by=plan.contact.created_by,
            answer_by=plan.contact.date + datetime.timedelta(days=text.answer_days),
        )
        signed_share = 1.0 if self.last_year else SIGNED_SHARE[index]
        answered_share = 0.9 if self.last_year else ANSWERED_SHARE[index]
        # The latest letter has a unit of each kind whatever the draws: answered, only
        # signed, and neither (the demonstration unit, for its secretary to sign for).
        latest = not self.last_year and index == len(data.LETTERS) - 1
        others = [u for u in plan.units if u.name != DEMO_UNIT]
        for unit in plan.units:
            receipt = LetterReceipt(committee=w.committee, letter=plan.letter, unit=unit)
            signs = rng.random() < signed_share and not (latest and unit.name == DEMO_UNIT)
            answers = signs and rng.random() < answered_share / max(signed_share, 0.01)
            if latest and unit in others[:2]:
                signs, answers = True, unit == others[0]
            secretary = w.secretaries.get(unit.pk)
            if signs and secretary is not None:
                signed = min(
                    sent + datetime.timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 6)),
                    w.now - datetime.timedelta(minutes=30),
                )
                receipt.signed_at, receipt.signed_by = signed, secretary
                if answers:
                    answered = min(
                        signed + datetime.timedelta(days=rng.randint(2, text.answer_days)),
                        w.now - datetime.timedelta(minutes=10),
                    )
                    receipt.answered_at, receipt.answered_by = answered, secretary
                    receipt.answer = rng.choice(data.ANSWERS)
            plan.receipts.append(receipt)

    def matter(self, plan: _Plan, unit: Unit, text: data.MatterText) -> None:
        w, rng = self.w, self.rng
        department = w.departments.get(text.department)
        secretary = w.secretaries.get(unit.pk)
        if department is None or secretary is None:
            return
        supervisor = w.department_staff.get(department.pk, w.leader)
        if self.last_year and self.matter_count == 0:
            status: Status = Status.LONG_RUNNING  # carried over into this year
        elif self.last_year:
            states, weights = zip(*LAST_YEAR_MIX, strict=True)
            status = rng.choices(states, weights=weights)[0]
        else:
            status = THIS_YEAR_STATES[self.matter_count % len(THIS_YEAR_STATES)]
        self.matter_count += 1
        assigned = plan.contact.date
        deadline = assigned + datetime.timedelta(days=rng.randint(30, 120))
        if status in (Status.ASSIGNED, Status.RECEIVED) and not self.last_year:
            # Just raised: due ahead (or, for one in three, already overdue).
            deadline = max(deadline, w.today + datetime.timedelta(days=rng.randint(-10, 40)))
        evts = _events(rng, status, secretary, supervisor)
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(assigned, datetime.time(15, 0), tzinfo=tz)
        if status == Status.CLOSED:
            end_day = min(deadline + datetime.timedelta(days=rng.randint(-15, 5)), w.today)
        else:
            end_day = w.today - datetime.timedelta(days=rng.randint(1, 20))
        end = min(
            datetime.datetime.combine(max(end_day, assigned), datetime.time(17, 30), tzinfo=tz),
            w.now - datetime.timedelta(minutes=1),
        )
        times = _moments(rng, len(evts), min(start, end), end)
        reports = [e[1] for e in evts if e[0] == "report"]
        closed_at = times[-1] if status == Status.CLOSED else None
        task = Task(
            committee=w.committee,
            year=self.year,
            title=text.title,
            description=text.description,
            basis=f"{plan.contact.date:%Y年%m月%d日}{plan.contact.get_form_display()}",
            lead_unit=unit,
            department=department,
            assigned_at=assigned,
            deadline=deadline,
            status=status,
            progress=reports[-1][1] if reports else None,
            created_by=supervisor,
            created_at=times[0],
            closed_at=closed_at,
            closed_by=supervisor if closed_at else None,
            version=sum(1 for e in evts if e[0] == "step"),
        )
        plan.matters.append(_Matter(task, evts, times))

    def draw(self) -> list[_Plan]:
        w, rng, year = self.w, self.rng, self.year
        if self.days < 14:
            return []  # the year has barely begun: nothing to show yet
        candidates = [u for u in w.units if u.name != DEMO_UNIT]
        left_out = set(
            u.pk for u in rng.sample(candidates, UNREACHED["last" if self.last_year else "this"])
        )
        to_reach = [u for u in w.units if u.pk not in left_out]
        reached: set[int] = set()
        for index, letter_text in enumerate(data.LETTERS):
            units = rng.sample(to_reach, rng.randint(*LETTER_UNITS))
            if index == len(data.LETTERS) - 1 and not self.last_year:
                units += [u for u in to_reach if u.name == DEMO_UNIT and u not in units]
                day = max(self.end - datetime.timedelta(days=12), self.day(0.7))
            else:
                day = self.day(0.08 + 0.36 * index)
            units.sort(key=_order)
            plan = self.contact(Form.LETTER, letter_text, units, day)
            self.letter(plan, index, letter_text)
            reached.update(u.pk for u in units)
        for n, (gy, members) in enumerate(w.groups.get(year, [])):
            pool = [u for u in members if u.pk not in left_out]
            if len(pool) < 2:
                continue
            units = rng.sample(pool, min(rng.randint(*SYMPOSIUM_UNITS), len(pool)))
            units.sort(key=_order)
            meeting = data.SYMPOSIUMS[n % len(data.SYMPOSIUMS)]
            day = self.day(0.15 + 0.8 * rng.random())
            plan = self.contact(Form.SYMPOSIUM, meeting, units, day, group=gy.group.name)
            self.present(plan)
            for unit in rng.sample(units, rng.randint(1, 2)):
                self.matter(plan, unit, rng.choice(data.MATTERS))
            reached.update(u.pk for u in units)
        for n, (form, info) in enumerate(data.INFORMATION):
            units = sorted(rng.sample(to_reach, rng.randint(*INFORMATION_UNITS)), key=_order)
            self.contact(form, info, units, self.day(0.2 + 0.2 * n))
            reached.update(u.pk for u in units)
        visited = [u for u in to_reach if u.pk not in reached]
        visited += rng.sample([u for u in to_reach if u.pk in reached], EXTRA_VISITS)
        # The demonstration unit is visited every year and has a matter to report on.
        visited += [u for u in to_reach if u.name == DEMO_UNIT and u not in visited]
        titles = {p.contact.title for p in self.plans}
        for unit in visited:
            visit = rng.choice(data.VISITS)
            name = unit.short_name or unit.name
            if visit.title.format(unit=name, year=year) in titles:
                visit = data.VISITS[(data.VISITS.index(visit) + 1) % len(data.VISITS)]
            plan = self.contact(Form.VISIT, visit, [unit], self.day(rng.random()), unit=name)
            titles.add(plan.contact.title)
            self.present(plan, visit=True)
            if rng.random() < 0.3 or unit.name == DEMO_UNIT:
                self.matter(plan, unit, rng.choice(data.MATTERS))
        return self.plans


def _write(w: _World, plans: list[_Plan], result: DemoContactsResult) -> None:
    committee = w.committee
    Contact.objects.bulk_create([p.contact for p in plans], batch_size=500)
    ContactUnit.objects.bulk_create(
        [
            ContactUnit(committee=committee, contact=p.contact, unit=u)
            for p in plans
            for u in p.units
        ],
        batch_size=1000,
    )
    people = [person for p in plans for person in p.people]
    for p in plans:
        for person in p.people:
            person.contact = p.contact
    ContactPerson.objects.bulk_create(people, batch_size=1000)
    # Numbered in the order they were sent, from the committee's counter as sending does.
    sent = sorted(
        ((p, p.letter) for p in plans if p.letter is not None), key=lambda pl: pl[1].sent_at
    )
    for p, letter in sent:
        letter.contact = p.contact
        letter.serial = letters.next_serial(committee, letter.year)
        letter.number = letters.document_number(w.prefix, letter.year, letter.serial)
    Letter.objects.bulk_create([letter for _p, letter in sent])
    receipts = []
    for p, letter in sent:
        for receipt in p.receipts:
            receipt.letter = letter
            receipts.append(receipt)
    LetterReceipt.objects.bulk_create(receipts, batch_size=1000)
    matters = [m for p in plans for m in p.matters]
    source = task_sources.get(liaison_sources.CODE)
    for p in plans:
        for m in p.matters:
            m.task.source_kind = liaison_sources.CODE
            m.task.source_type = Contact._meta.label_lower
            m.task.source_id = p.contact.pk
            m.task.source_label = liaison_sources.describe(p.contact)
            try:
                m.task.source_url = source.url(p.contact)[:300] if source else ""
            except NoReverseMatch:  # the contact pages are not installed
                m.task.source_url = ""
    Task.objects.bulk_create([m.task for m in matters], batch_size=500)
    numbers.number_unnumbered(committee.pk)
    transitions: list[TaskTransition] = []
    reports: list[ProgressReport] = []
    for m in matters:
        for (kind, item), at in zip(m.events, m.times, strict=True):
            if kind == "report":
                text, percent, by = item
                reports.append(
                    ProgressReport(
                        committee=committee, task=m.task, reported_at=at, text=text,
                        percent=percent, by=by,
                    )
                )  # fmt: skip
                continue
            step, frm, to, by, reason = item
            transitions.append(
                TaskTransition(
                    committee=committee, task=m.task, step=step,
                    from_status="" if step == Step.CREATE else frm, to_status=to, by=by, at=at,
                    reason=reason,
                )
            )  # fmt: skip
    TaskTransition.objects.bulk_create(transitions, batch_size=1000)
    ProgressReport.objects.bulk_create(reports, batch_size=1000)
    handled = []
    for p in plans:
        closures = [m.task.closed_at for m in p.matters]
        if closures and all(closures):
            p.contact.matters_handled_at = max(c for c in closures if c is not None)
            handled.append(p.contact)
    Contact.objects.bulk_update(handled, ["matters_handled_at"])
    result.created["contact"] += len(plans)
    result.created["contact_person"] += len(people)
    result.created["letter"] += len(sent)
    result.created["letter_receipt"] += len(receipts)
    result.created["matter"] += len(matters)
    record(
        events.IMPORT,
        committee=committee,
        object_type=Contact._meta.label_lower,
        object_repr="示例沟通联系",
        detail={"demo": True, **dict(result.created)},
    )


def load_demo_contacts(
    committee: Committee, *, today: datetime.date | None = None, seed: int = SEED
) -> DemoContactsResult:
    """Give ``committee`` last year's and this year's contacts (once)."""
    today = today or timezone.localdate()
    years = (today.year - 1, today.year)
    result = DemoContactsResult()
    with transaction.atomic():
        w = _gather(committee, today, years)
        if w is None:
            return result
        existing = set(
            Contact.objects.filter(committee=committee, year__in=years).values_list("year", "title")
        )
        plans = [
            plan
            for year in years
            for plan in _Planner(w, year, seed).draw()
            if (plan.contact.year, plan.contact.title) not in existing
        ]
        if plans:
            _write(w, plans, result)
    return result


def _load(run: demo.DemoRun) -> None:
    found = load_demo_contacts(run.committee)
    run.created.update(found.created)


def register() -> None:
    demo.DEMO_LOADERS.register(
        demo.DemoLoader("liaison", _load, after=("org", "tracking"), labels=LABELS)
    )
