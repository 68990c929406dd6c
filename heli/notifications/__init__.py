"""Notifications: the in-app notification centre, email, and group robots.

Three ways a message reaches people:

* the **notification centre** (``/notifications/``) — always, for every recipient;
* **email**, when the installation sends email (``NOTIFY_EMAIL_ENABLED``), the person
  has an address and has not turned it off (``/notifications/preferences/``);
* the committee's **group robots** (WeChat Work 企业微信 / DingTalk 钉钉), set up by the
  system administrator (``/notifications/robots/``), for reminders meant for groups.

Reminders are created and sent by ``manage.py send_reminders`` (daily, from
``deploy/systemd/heli-reminders.timer``). It asks every registered reminder kind what
is due for every committee, writes what is new in one transaction per committee and
sends after the commit. Running it twice sends nothing twice: a notification is unique
on (committee, recipient, key) and a robot message on (robot, key). A message that
failed (Delivery.status ``failed``) is tried again at the next run, up to
``NOTIFY_MAX_ATTEMPTS``; one that was sent is never sent again.

Registering a kind of reminder
------------------------------

An app adds its reminders without touching the command: a ``due(committee, today)``
function that yields ``Reminder`` objects, registered once on start-up. The key is the
object and the period, inside the kind: the same key is never delivered twice to the
same person or robot, so put the period in it to repeat a reminder. For example, in
``heli/tracking/reminders.py``::

    from django.utils.translation import gettext as _, gettext_lazy

    from heli.notifications.registry import Reminder, reminder
    from heli.tracking.models import Task

    @reminder("tracking.overdue", gettext_lazy("Overdue tasks"))
    def overdue(committee, today):
        for task in Task.objects.filter(committee=committee, deadline__lt=today).open():
            yield Reminder(
                key=f"{task.pk}:{today:%G-W%V}",  # once a week while it stays overdue
                title=_("Task overdue: %(title)s") % {"title": task.title},
                body=_("The deadline was %(date)s.") % {"date": task.deadline},
                url=task.get_absolute_url(),
                recipients=people_of(task.lead_unit),  # User objects of this committee
                to_robots=True,  # also post it to the committee's group robots
            )

and in ``TrackingConfig.ready()``: ``from heli.tracking import reminders  # noqa: F401``.
Titles and bodies are rendered in the site language (the command activates it).

To notify at once from an action (not a daily reminder), call
``heli.notifications.actions.notify(committee, kind, key, recipients, title=…)`` inside
the action's transaction: the messages leave only after it commits.
"""
