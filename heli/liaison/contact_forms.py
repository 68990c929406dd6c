"""Forms of the contact pages: recording a contact, raising a matter, filtering the list.

The contact form picks its units from a checklist grouped by the work year's groups (a
whole group ticked at once), then, for each chosen unit, the unit's people present from
the registry or typed; the committee's people likewise. What is typed is kept whenever
the form comes back, refused or redrawn after a change of units.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.accounts.models import User
from heli.liaison.contacts import (
    Person,
    committee_accounts,
    contact_units,
    date_error,
    unit_registry_people,
)
from heli.liaison.models import CHANNEL_OF, Channel, ContactPerson, Form, Subject
from heli.lib.dates import current_year
from heli.lib.forms import DateField
from heli.lib.widgets import QuickSelect
from heli.org.models import Committee, Department, Group, GroupMembership, Unit

YEAR_ERRORS = {
    "invalid": gettext_lazy("Enter the work year as four digits, for example 2026."),
    "required": gettext_lazy("Choose the work year of the contact."),
    "min_value": gettext_lazy("Choose a work year from 2000 to 2100."),
    "max_value": gettext_lazy("Choose a work year from 2000 to 2100."),
}
# How a typed line separates the name from the post: "张三，副局长", "张三 副局长".
_NAME_POST = re.compile(r"[，,、:：\s]+")
MAX_TYPED_PEOPLE = 30


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked when it is kept (heli.files)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def form_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The forms of contact under their channels (书面、当面、信息沟通)."""
    return [
        (str(channel.label), [(f.value, str(f.label)) for f in Form if CHANNEL_OF[f] == channel])
        for channel in Channel
    ]


def parse_people(text: str, field: str) -> list[tuple[str, str]]:
    """Typed people, one a line: the name, then the post after a comma or a space."""
    people = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = _NAME_POST.split(line, maxsplit=1)
        name, post = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
        if len(name) > 50 or len(post) > 100:
            raise forms.ValidationError(
                _(
                    "Line %(line)s is too long: a name may have 50 characters and a post 100. "
                    "Write one person a line, the name first, then a comma and the post."
                )
                % {"line": number}
            )
        people.append((name, post))
    if len(people) > MAX_TYPED_PEOPLE:
        raise forms.ValidationError(
            _("List at most %(count)s people here.") % {"count": MAX_TYPED_PEOPLE}
        )
    return people


def _ids(values: Any) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


class PersonChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def __init__(self, *args: Any, posts: dict[int, str] | None = None, **kwargs: Any) -> None:
        self.posts = posts or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        post = self.posts.get(obj.pk) or obj.title
        name = obj.get_full_name()
        return f"{name}（{post}）" if post else name


class ContactForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    year = forms.IntegerField(
        label=gettext_lazy("Work year"), min_value=2000, max_value=2100, error_messages=YEAR_ERRORS
    )
    form = forms.ChoiceField(
        label=gettext_lazy("Form"),
        error_messages={
            "required": gettext_lazy("Choose the form of the contact."),
            "invalid_choice": gettext_lazy("Choose the form of the contact from the list."),
        },
    )
    date = DateField(label=gettext_lazy("Date"))
    title = forms.CharField(
        label=gettext_lazy("Title of the contact"),
        max_length=200,
        help_text=gettext_lazy("For example: symposium on party building in organs, group 3."),
        error_messages={"required": gettext_lazy("Give the contact a title.")},
    )
    subjects = forms.MultipleChoiceField(
        label=gettext_lazy("Subjects covered"),
        choices=Subject.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Tick at least one of the five subjects the contact covered."),
            "invalid_choice": gettext_lazy("Choose the subjects from the list."),
        },
    )
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy(
                "Choose at least one unit: the unit whose party group was contacted."
            ),
            "invalid_choice": gettext_lazy(
                "Choose the units from the list: %(value)s is not a unit of this committee "
                "that exists now."
            ),
            "invalid_pk_value": gettext_lazy(
                "Choose the units from the list: %(pk)s is not a unit of this committee that "
                "exists now."
            ),
        },
    )
    committee_people = PersonChoiceField(
        label=gettext_lazy("Committee people present"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": gettext_lazy("Choose the committee's people from the list."),
            "invalid_pk_value": gettext_lazy("Choose the committee's people from the list."),
        },
    )
    committee_typed = forms.CharField(
        label=gettext_lazy("Others from the committee"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One person a line: the name, a comma, the post."),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "What was communicated, the views collected and the problems raised."
        ),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Files"),
        required=False,
        help_text=gettext_lazy(
            "Letters, photos, signed records: PDF, OFD, Word, Excel, JPG or PNG, several at once."
        ),
    )

    def __init__(
        self,
        *args: Any,
        committee: Committee,
        letter_units: frozenset[int] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)
        self.committee = committee
        # A letter is sent from the letters' own form, which numbers it and makes its
        # receipts; here a letter's contact keeps its form and addressees.
        self.letter_units = letter_units
        if letter_units is None:
            choices = [
                (channel, [c for c in options if c[0] != Form.LETTER])
                for channel, options in form_choices()
            ]
            self.fields["form"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
        else:
            letter = [(Form.LETTER.value, str(Form.LETTER.label))]
            self.fields["form"].choices = letter  # type: ignore[attr-defined]
            self.fields["form"].help_text = _(
                "A letter's form and addressees follow the letter as it was sent."
            )
        units = contact_units(committee)
        cast("forms.ModelMultipleChoiceField[Any]", self.fields["units"]).queryset = units
        cast(
            "forms.ModelMultipleChoiceField[Any]", self.fields["committee_people"]
        ).queryset = committee_accounts(committee)
        if self.is_bound:
            chosen = _ids(self.data.getlist("units"))  # type: ignore[attr-defined]
        else:
            chosen = _ids(self.initial.get("units") or [])
        # Per chosen unit: its people from the registry, and those typed.
        self.chosen_units: list[Unit] = list(units.filter(pk__in=chosen))
        registry = unit_registry_people(committee, [u.pk for u in self.chosen_units])
        self.unit_people: list[tuple[Unit, str, str]] = []
        for unit in self.chosen_units:
            people = registry.get(unit.pk, [])
            posts = {user.pk: post for user, post in people}
            pick, typed = f"unit_{unit.pk}_people", f"unit_{unit.pk}_typed"
            self.fields[pick] = PersonChoiceField(
                label=_("From the registry"),
                queryset=User.objects.filter(pk__in=sorted(posts)).order_by("full_name", "id"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                posts=posts,
                error_messages={
                    "invalid_choice": _("Choose the unit's people from the list."),
                    "invalid_pk_value": _("Choose the unit's people from the list."),
                },
            )
            self.fields[typed] = forms.CharField(
                label=_("Others present from %(unit)s") % {"unit": unit.short_name or unit.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("One person a line: the name, a comma, the post."),
            )
            self.unit_people.append((unit, pick, typed))
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"

    def year_value(self) -> int:
        raw = str((self.data.get("year") if self.is_bound else self.initial.get("year")) or "")
        return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else current_year()

    def unit_sections(self) -> list[dict[str, Any]]:
        """The units' checkboxes under the groups of the chosen work year (two queries)."""
        year = self.year_value()
        memberships = (
            GroupMembership.objects.filter(committee=self.committee, year=year)
            .select_related("group_year__group")
            .order_by("group_year__group__number", "unit__sort_order", "unit_id")
        )
        boxes = {str(box.data["value"]): box for box in self["units"]}
        sections: list[dict[str, Any]] = []
        by_group: dict[int, dict[str, Any]] = {}
        placed: set[str] = set()
        for m in memberships:
            key = str(m.unit_id)
            if key not in boxes:
                continue
            section = by_group.get(m.group_year_id)
            if section is None:
                section = {"label": m.group_year.group.name, "group_year": m.group_year_id}
                section["boxes"] = []
                by_group[m.group_year_id] = section
                sections.append(section)
            section["boxes"].append(boxes[key])
            placed.add(key)
        rest = [box for key, box in boxes.items() if key not in placed]
        if rest:
            sections.append(
                {"label": _("Not in a group this year"), "group_year": 0, "boxes": rest}
            )
        for section in sections:
            section["units"] = ",".join(str(b.data["value"]) for b in section["boxes"])
        return sections

    def unit_people_fields(self) -> list[tuple[Unit, Any, Any]]:
        """Per chosen unit: its registry people's checkboxes and its typed people."""
        return [(unit, self[pick], self[typed]) for unit, pick, typed in self.unit_people]

    def chosen_labels(self) -> list[str]:
        return [u.short_name or u.name for u in self.chosen_units]

    def clean_committee_typed(self) -> list[tuple[str, str]]:
        return parse_people(self.cleaned_data.get("committee_typed") or "", "committee_typed")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, when = data.get("year"), data.get("date")
        if year is not None and when is not None and (wrong := date_error(year, when)):
            self.add_error("date", wrong)
        people: list[Person] = []
        committee_side = ContactPerson.Side.COMMITTEE
        picked: QuerySet[User] | list[User] = data.get("committee_people") or []
        for user in picked:
            people.append(Person(committee_side, user.get_full_name(), user.title, None, user))
        for name, post in data.get("committee_typed") or []:
            people.append(Person(committee_side, name, post))
        units = {u.pk: u for u in data.get("units") or []}
        if self.letter_units is not None and "units" in data and set(units) != self.letter_units:
            self.add_error(
                "units",
                _("The units of a letter are its addressees and cannot be changed here."),
            )
        for unit, pick, typed in self.unit_people:
            if unit.pk not in units:
                continue
            field = cast(PersonChoiceField, self.fields[pick])
            for user in data.get(pick) or []:
                post = field.posts.get(user.pk, user.title)
                people.append(
                    Person(ContactPerson.Side.UNIT, user.get_full_name(), post, unit, user)
                )
            try:
                typed_people = parse_people(data.get(typed) or "", typed)
            except forms.ValidationError as error:
                self.add_error(typed, error)
                continue
            for name, post in typed_people:
                people.append(Person(ContactPerson.Side.UNIT, name, post, unit))
        data["people"] = people
        return data


def initial_from_post(post: Any, form: ContactForm) -> dict[str, Any]:
    """What was sent, as the initial values of the form drawn again (nothing checked)."""
    initial: dict[str, Any] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            initial[name] = post.getlist(name)
        elif name in post:
            initial[name] = post.get(name)
    # The units' people fields exist only once the units are known: take them all.
    for key in post:
        if key.startswith("unit_") and key.endswith("_people"):
            initial[key] = post.getlist(key)
        elif key.startswith("unit_") and key.endswith("_typed"):
            initial[key] = post.get(key)
    return initial


class MatterForm(forms.Form):
    """A specific problem raised in a contact (需要研究解决的具体问题): a task to be."""

    title = forms.CharField(
        label=gettext_lazy("The matter"),
        max_length=200,
        error_messages={"required": gettext_lazy("Say what the matter is.")},
    )
    lead_unit = forms.ModelChoiceField(
        label=gettext_lazy("Lead unit"),
        queryset=Unit.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose the lead unit among the units of this contact."),
            "invalid_choice": gettext_lazy("Choose the lead unit among the units of this contact."),
        },
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Supervising department"),
        queryset=Department.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose the department that supervises the matter."),
            "invalid_choice": gettext_lazy(
                "Choose one of the departments you may assign tasks for."
            ),
        },
    )
    deadline = DateField(label=gettext_lazy("Deadline"))
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, units: Any, departments: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_matter_%s")
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["lead_unit"]).queryset = units
        cast("forms.ModelChoiceField[Any]", self.fields["department"]).queryset = departments


class ContactFilterForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100
    )
    form = forms.ChoiceField(label=gettext_lazy("Form"), required=False)
    subject = forms.ChoiceField(label=gettext_lazy("Subject"), required=False)
    # A committee's thousand units: drawn without a template per option.
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"), queryset=Unit.objects.none(), required=False, widget=QuickSelect
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("Group"), queryset=Group.objects.none(), required=False
    )
    q = forms.CharField(label=gettext_lazy("Title contains"), required=False, max_length=100)

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[Any] = [("", _("All forms"))]
        for channel in Channel:
            forms_of = [(f.value, str(f.label)) for f in Form if CHANNEL_OF[f] == channel]
            label = _("All: %(channel)s") % {"channel": channel.label}
            choices.append((str(channel.label), [(channel.value, label), *forms_of]))
        self.fields["form"].choices = choices  # type: ignore[attr-defined]
        self.fields["subject"].choices = [  # type: ignore[attr-defined]
            ("", _("All subjects")),
            *Subject.choices,
        ]
        unit = cast("forms.ModelChoiceField[Any]", self.fields["unit"])
        unit.queryset = Unit.objects.filter(committee=committee).order_by("sort_order", "id")
        unit.empty_label = _("All units")
        group = cast("forms.ModelChoiceField[Any]", self.fields["group"])
        group.queryset = Group.objects.filter(committee=committee).order_by("number")
        group.empty_label = _("All groups")
        for name in ("form", "subject", "unit", "group"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
