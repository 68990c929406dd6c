import os

from django.core.asgi import get_asgi_application

from heli.lib.checks import require_start_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heli.settings")
application = get_asgi_application()
# As in wsgi.py: an ASGI server runs no system checks.
require_start_up()
