from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "heli.meetings"
    label = "meetings"
    verbose_name = _("Joint meetings")
    url_prefix = "meetings"

    def ready(self) -> None:
        from heli.files.access import register_owner
        from heli.meetings import (
            access,
            attendance_ui,
            compliance_ui,
            demo,
            ics_ui,
            meetings_ui,
            minutes_ui,
            reminders,
            sharing_ui,
            sources,
            topics_ui,
        )
        from heli.meetings.models import AgendaItem, JointMeeting, Topic

        access.register()
        sources.register()
        register_owner(Topic)
        register_owner(JointMeeting)
        register_owner(AgendaItem)
        topics_ui.register()
        meetings_ui.register()
        attendance_ui.register()
        minutes_ui.register()
        compliance_ui.register()
        ics_ui.register()
        sharing_ui.register()
        reminders.register()
        demo.register()
