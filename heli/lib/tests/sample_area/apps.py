from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.apps import AppConfig
from django.db.models import Model, QuerySet


class SampleAreaConfig(AppConfig):
    name = "heli.lib.tests.sample_area"
    label = "sample_area"
    url_prefix = "sample-area"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from heli.accounts import policy
        from heli.accounts.models import Role, RoleAssignment
        from heli.accounts.policy import Action, Rules, Scope, can
        from heli.lib import demo
        from heli.lib.ui import MENU_ENTRIES, MENU_SECTIONS, MenuEntry, MenuSection
        from heli.notifications.registry import Reminder, reminder
        from heli.tracking import sources
        from heli.tracking.models import Task

        from .models import Thing

        class ThingRules(Rules):
            """Leaders read every thing; a unit's people read their unit's."""

            def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
                if s.has(Role.COMMITTEE_LEADER):
                    return qs
                return qs.filter(unit_id__in=s.unit_ids)

            def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
                return action is Action.VIEW and (s.has(Role.COMMITTEE_LEADER) or bool(s.unit_ids))

        policy.register(Thing, ThingRules())

        def handled(task: Task) -> None:
            Thing.objects.filter(pk=task.source_id).update(handled=True)

        sources.register(
            sources.TaskSource(
                code="sample_thing",
                label="Sample things",
                model="sample_area.thing",
                order=900,
                describe=lambda thing: f"Thing: {thing.title}",
                on_closed=handled,
            )
        )

        @reminder("sample_area.unhandled", "Unhandled sample things")
        def unhandled(committee: Any, today: datetime.date) -> Iterator[Reminder]:
            for thing in Thing.objects.filter(committee=committee, handled=False):
                people = RoleAssignment.objects.filter(
                    unit_id=thing.unit_id, role=Role.UNIT_SECRETARY
                ).select_related("user")
                yield Reminder(
                    key=f"{thing.pk}",
                    title=f"Unhandled: {thing.title}",
                    recipients=[ra.user for ra in people],
                )

        def load(run: demo.DemoRun) -> None:
            from heli.org.models import Unit

            unit = Unit.objects.filter(committee=run.committee).order_by("sort_order").first()
            if unit is None:
                return
            # Handled already, so it reminds no one in the other tests' demonstration data.
            _thing, made = Thing.objects.get_or_create(
                committee=run.committee,
                unit=unit,
                title="Sample demonstration thing",
                defaults={"handled": True},
            )
            run.created["sample_thing"] += int(made)

        demo.DEMO_LOADERS.register(
            demo.DemoLoader("sample_area", load, after=("org",), labels={"sample_thing": "示例"})
        )
        MENU_SECTIONS.register(MenuSection("sample_area", "Sample area", order=900))
        MENU_ENTRIES.register(
            MenuEntry(
                "sample_area.things",
                "Sample things",
                "sample_area:things",
                "sample_area",
                "bi-box",
                shown_to=lambda user: can(user, Action.VIEW, Thing),
            )
        )
