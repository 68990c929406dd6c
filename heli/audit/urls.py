from django.urls import path

from heli.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("export.<str:fmt>", views.event_export, name="event_export"),
]
