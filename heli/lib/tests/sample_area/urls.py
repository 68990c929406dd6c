from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "sample_area"


def things(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"things of {request.user.get_username()}")


urlpatterns = [path("things/", things, name="things")]
