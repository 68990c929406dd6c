"""Redis as the cache: what REDIS_URL configures, the submit-once guard, and sessions.

Runs against the real server (``REDIS_URL``, else 127.0.0.1:6379) in a database number of
its own per test worker, emptied before and after each test. Without a reachable Redis
the tests are skipped on a developer's machine and fail in CI (``CI=true``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from heli.lib import idempotency
from heli.org.models import Unit
from heli.testing import PASSWORD, World, service_missing

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
# Databases 12 to 15 are the tests' own: each xdist worker takes one, so that one
# worker's flush never empties what another worker's test is reading.
FIRST_TEST_DB = 12


def _test_url() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    number = FIRST_TEST_DB + (int(worker) if worker.isdigit() else 0) % 4
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """A raw client of the test database, to see what Django put there."""
    try:
        import redis
    except ImportError:
        service_missing("the redis package is missing: pip install -r requirements/test.lock")
    url = _test_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        service_missing(f"Redis at {url} is unreachable ({error}); .ci/run starts redis-server")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def redis_cache(redis_client: Any) -> Iterator[Any]:
    """Django's default cache in the test database, as REDIS_URL configures it."""
    caches = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": _test_url()}}
    with override_settings(CACHES=caches):
        yield redis_client


def _keys(client: Any, pattern: str) -> list[bytes]:
    return sorted(client.scan_iter(match=pattern))


def test_redis_url_puts_the_default_cache_in_redis(redis_client: Any) -> None:
    """The settings module itself, read with REDIS_URL set, stores through Redis."""
    probe = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.cache import cache\n"
        "cache.set('heli:probe', '合力 ok', 60)\n"
        "print(json.dumps([settings.CACHES['default'], cache.get('heli:probe')]))\n"
    )
    env = {**os.environ, "REDIS_URL": _test_url(), "DJANGO_SETTINGS_MODULE": "heli.settings"}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", probe],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    configured, read_back = json.loads(done.stdout.strip().splitlines()[-1])
    assert configured == {"BACKEND": REDIS_CACHE, "LOCATION": _test_url()}
    assert read_back == "合力 ok"
    assert _keys(redis_client, "*heli:probe") != []


def test_the_cache_round_trips_through_redis(redis_cache: Any) -> None:
    value = {"单位": ["测试单位0", "测试单位1"], "count": 2, "none": None}
    cache.set("heli:test:value", value, 120)
    assert cache.get("heli:test:value") == value
    (key,) = _keys(redis_cache, "*heli:test:value")
    assert 0 < redis_cache.ttl(key) <= 120
    # add() is atomic in Redis: it refuses a key that is there, and takes a new one.
    assert cache.add("heli:test:value", "other", 120) is False
    assert cache.get("heli:test:value") == value
    assert cache.add("heli:test:new", "first", 120) is True
    assert cache.get("heli:test:new") == "first"
    cache.set("heli:test:n", 1, 120)
    assert (
        cache.incr("heli:test:n") == 2
        and redis_cache.get(_keys(redis_cache, "*heli:test:n")[0]) == b"2"
    )
    cache.delete("heli:test:value")
    assert cache.get("heli:test:value") is None
    assert _keys(redis_cache, "*heli:test:value") == []


def _unit_form(token: str, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "short_name": name[:6],
        "leading_body": Unit.LeadingBody.PARTY_GROUP,
        "sort_order": 7,
        "submission": token,
    }


def test_the_submit_once_guard_refuses_a_second_submit_through_redis(
    redis_cache: Any, world: World
) -> None:
    client = Client()
    client.force_login(world.user("office"))
    url = reverse("org:unit_create")
    token = client.get(url).context["token"]
    first = client.post(url, _unit_form(token, "红色单位"))
    assert first.status_code == 302
    unit = Unit.objects.get(committee=world.committee, name="红色单位")
    assert first["Location"] == reverse("org:unit_detail", args=[unit.pk])
    # The claim is in Redis, for as long as the guard keeps claims.
    (claim,) = _keys(redis_cache, "*heli:submission:*")
    assert idempotency.TTL_SECONDS - 60 < redis_cache.ttl(claim) <= idempotency.TTL_SECONDS
    # The same token again (a double click, a resent request) makes nothing new and is
    # sent to what the first one made, from a second browser of the same person too.
    again = client.post(url, _unit_form(token, "红色单位二"))
    assert again.status_code == 302 and again["Location"] == first["Location"]
    other_browser = Client()
    other_browser.force_login(world.user("office"))
    resent = other_browser.post(url, _unit_form(token, "红色单位三"))
    assert resent["Location"] == first["Location"]
    assert Unit.objects.filter(committee=world.committee, name__startswith="红色单位").count() == 1
    # The guard knows the token only through Redis: once Redis forgets, it is new again.
    redis_cache.flushdb()
    fresh = client.post(url, _unit_form(token, "红色单位四"))
    assert fresh.status_code == 302
    assert Unit.objects.filter(committee=world.committee, name__startswith="红色单位").count() == 2


def test_a_token_sent_at_once_from_many_connections_is_claimed_once(
    redis_cache: Any, world: World
) -> None:
    request = RequestFactory().post("/")
    request.user = world.user("staff")
    token = idempotency.new_token()
    start = threading.Barrier(8)
    firsts: list[bool] = []
    errors: list[BaseException] = []

    def submit() -> None:
        # Django gives every thread its own cache connection: eight Redis clients race.
        try:
            start.wait(timeout=10)
            firsts.append(idempotency.Submission(request, token).first)
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(firsts) == [False] * 7 + [True]


def test_signing_in_works_with_the_redis_cache(redis_cache: Any, world: World) -> None:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    key = client.session.session_key
    assert key
    if settings.SESSION_ENGINE.endswith((".cache", ".cached_db")):
        # Sessions kept in the cache are in Redis.
        assert _keys(redis_cache, f"*{key}") != []
    else:
        # Sessions kept in the database (logout deletes the row) do not depend on Redis.
        assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert _keys(redis_cache, f"*{key}") == []
