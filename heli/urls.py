from django.apps import apps
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

# Areas mount their own pages: an app whose config names a ``url_prefix`` has its
# ``<app>.urls`` included there, under the namespace its ``app_name`` gives. Adding an
# area (or a committee's own, through HELI_EXTRA_APPS) edits nothing here.
urlpatterns += [
    path(f"{prefix}/", include(f"{config.name}.urls"))
    for config in apps.get_app_configs()
    if (prefix := getattr(config, "url_prefix", ""))
]

# Chinese pages in the house layout, each with a way back (heli.lib.errors).
handler400 = "heli.lib.errors.bad_request"
handler403 = "heli.lib.errors.permission_denied"
handler404 = "heli.lib.errors.page_not_found"
handler500 = "heli.lib.errors.server_error"
