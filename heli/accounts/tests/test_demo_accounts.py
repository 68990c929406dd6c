"""Demonstration data never reaches production, and its published password is replaced.

``load_demo`` refuses under ``HELI_PRODUCTION=1``. Outside a development run (``DEBUG``
on, as ``make run`` has it) every demonstration account must choose its own password at
the first sign-in, and "changing" it to the demonstration password is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from heli.accounts.models import User
from heli.org.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoConflict, load_demo
from heli.org.models import Committee

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
HOME = reverse("home")
# A business login of the demonstration data (the administrators must enrol a device too).
BUSINESS = next(login.username for login in DEMO_LOGINS if login.unit)


def load(**options: Any) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def test_load_demo_refuses_under_production_settings(settings: Any) -> None:
    settings.HELI_PRODUCTION = True
    with pytest.raises(CommandError, match="HELI_PRODUCTION=1"):
        load()
    with pytest.raises(DemoConflict):
        load_demo()
    assert not Committee.objects.exists() and not User.objects.exists()


def test_load_demo_refuses_when_started_in_the_production_configuration(tmp_path: Path) -> None:
    database = tmp_path / "production.sqlite3"
    environment = {
        **os.environ,
        "HELI_PRODUCTION": "1",
        "SECRET_KEY": "p" * 60,
        "AUDIT_HMAC_KEY": "a" * 64,
        "FIELD_ENCRYPTION_KEY": "0123456789abcdef0123456789abcdef",
        "DATABASE_URL": f"sqlite:///{database}",
        "ALLOWED_HOSTS": "heli.example.org",
    }
    environment.pop("DEBUG", None)
    run = subprocess.run(  # noqa: S603 - our own manage.py, with the test's interpreter
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "load_demo"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "HELI_PRODUCTION=1" in run.stderr and "示例数据不能载入" in run.stderr, run.stderr
    assert "示例登录账号" not in run.stdout


def test_outside_a_development_run_demo_accounts_must_choose_their_own_password(
    settings: Any,
) -> None:
    settings.DEBUG = False
    text = load()
    assert "首次登录时须先把它改成自己的密码" in text
    logins = [login.username for login in DEMO_LOGINS]
    assert set(
        User.objects.filter(username__in=logins).values_list("must_change_password", flat=True)
    ) == {True}
    assert not User.objects.filter(committee__code="beijing", must_change_password=False).exists()
    client = Client()
    client.post(reverse("accounts:login"), {"username": BUSINESS, "password": DEMO_PASSWORD})
    assert client.get(HOME)["Location"].startswith(CHANGE)
    # The same password again is no change.
    response = client.post(
        CHANGE,
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": DEMO_PASSWORD,
            "new_password2": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    assert client.get(HOME)["Location"].startswith(CHANGE)
    response = client.post(
        CHANGE,
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Harbour-lamp-47",
            "new_password2": "Harbour-lamp-47",
        },
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_in_a_development_run_demo_accounts_sign_in_as_loaded(settings: Any) -> None:
    settings.DEBUG = True
    text = load()
    assert "这是开发运行" in text
    assert not User.objects.filter(committee__code="beijing", must_change_password=True).exists()
    client = Client()
    client.post(reverse("accounts:login"), {"username": BUSINESS, "password": DEMO_PASSWORD})
    assert client.get(HOME).status_code == 200
    # The same data loaded again outside a development run: whoever still has the
    # published password must replace it; whoever chose their own keeps it.
    chose = User.objects.get(username=BUSINESS)
    chose.set_password("Harbour-lamp-47")
    chose.save()
    settings.DEBUG = False
    load(verbosity=0)
    chose.refresh_from_db()
    assert not chose.must_change_password
    still = User.objects.filter(committee__code="beijing").exclude(pk=chose.pk)
    assert set(still.values_list("must_change_password", flat=True)) == {True}
