from django.urls import path

from heli.files import views

app_name = "files"

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/download/", views.download, name="download"),
]
