from django.urls import path

from heli.org import edit_views, import_views, views

app_name = "org"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", edit_views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", edit_views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/party-org/", edit_views.party_org_edit, name="party_org_edit"),
    path("units/<int:pk>/end/", edit_views.unit_end, name="unit_end"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("leads/", views.leads, name="leads"),
    path("leads/generate/", views.leads_generate, name="leads_generate"),
    path("leads/<int:pk>/override/", views.leads_override, name="leads_override"),
    path("leads/confirm/", views.leads_confirm, name="leads_confirm"),
    path("import/", import_views.import_registry, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
]
