from django.urls import path

from heli.org import import_views, views

app_name = "org"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("leads/", views.leads, name="leads"),
    path("leads/generate/", views.leads_generate, name="leads_generate"),
    path("leads/<int:pk>/override/", views.leads_override, name="leads_override"),
    path("leads/confirm/", views.leads_confirm, name="leads_confirm"),
    path("import/", import_views.import_registry, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
]
