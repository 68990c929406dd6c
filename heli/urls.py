from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from heli.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("heli.accounts.urls")),
    path("org/", include("heli.org.urls")),
    path("audit/", include("heli.audit.urls")),
    path("files/", include("heli.files.urls")),
    path("notifications/", include("heli.notifications.urls")),
    path("tracking/", include("heli.tracking.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]

# Chinese pages in the house layout, each with a way back (heli.lib.errors).
handler400 = "heli.lib.errors.bad_request"
handler403 = "heli.lib.errors.permission_denied"
handler404 = "heli.lib.errors.page_not_found"
handler500 = "heli.lib.errors.server_error"
