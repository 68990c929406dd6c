import os

from django.core.wsgi import get_wsgi_application

from heli.lib.checks import require_start_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heli.settings")
application = get_wsgi_application()
# gunicorn runs no system checks: refuse to serve without SM3/SM4 or, in production,
# without a field encryption key, instead of failing at the first login.
require_start_up()
