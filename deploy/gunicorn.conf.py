"""Gunicorn settings for Heli in production (see deploy/README.md)."""

import ipaddress
import multiprocessing
import os


def _trusted_proxies() -> str:
    """TRUSTED_PROXIES, the one list of proxies gunicorn and Heli both believe.

    gunicorn would also take networks and ``*``; Heli (heli/lib/http.py) compares single
    addresses, so anything else is refused here rather than meaning two different things.
    """
    addresses = [a.strip() for a in os.getenv("TRUSTED_PROXIES", "").split(",") if a.strip()]
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise SystemExit(
                f"TRUSTED_PROXIES: {address!r} is not a single IP address; list each proxy."
            ) from None
    return ",".join(addresses)


bind = os.getenv("HELI_BIND", "127.0.0.1:8000")
workers = int(os.getenv("HELI_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.getenv("HELI_THREADS", "2"))
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# The scheme comes from nginx's X-Forwarded-Proto (Django reads it from wsgi.url_scheme) and
# the address in the audit log from its X-Forwarded-For (heli/lib/http.py), both believed
# only when the peer is one of TRUSTED_PROXIES: whoever else reaches gunicorn directly is
# plain http at its own address, whatever headers it sends. nginx sets this header only.
forwarded_allow_ips = _trusted_proxies()
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
accesslog = "-"
errorlog = "-"
limit_request_line = 8190
