"""The joint meeting area's pages, mounted at ``/meetings/`` (``MeetingsConfig.url_prefix``)."""

from __future__ import annotations

from django.urls import URLPattern

from heli.meetings import (
    attendance_views,
    calendar_views,
    compliance_views,
    document_views,
    ics_views,
    meeting_views,
    minutes_views,
    sharing_views,
    topic_views,
)

app_name = "meetings"

urlpatterns: list[URLPattern] = [
    *topic_views.urlpatterns,
    *meeting_views.urlpatterns,
    *attendance_views.urlpatterns,
    *minutes_views.urlpatterns,
    *calendar_views.urlpatterns,
    *compliance_views.urlpatterns,
    *document_views.urlpatterns,
    *ics_views.urlpatterns,
    *sharing_views.urlpatterns,
]
