"""The liaison area's pages, mounted at ``/liaison/`` (``LiaisonConfig.url_prefix``)."""

from __future__ import annotations

from django.urls import URLPattern

from heli.liaison import board_views, contact_views, ledger_views, letter_views

app_name = "liaison"

urlpatterns: list[URLPattern] = [
    *contact_views.urlpatterns,
    *letter_views.urlpatterns,
    *board_views.urlpatterns,
    *ledger_views.urlpatterns,
]
