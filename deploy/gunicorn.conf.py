"""Gunicorn settings for Heli in production (see deploy/README.md)."""

import multiprocessing
import os

bind = os.getenv("HELI_BIND", "127.0.0.1:8000")
workers = int(os.getenv("HELI_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.getenv("HELI_THREADS", "2"))
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# The address in the audit log comes from nginx's X-Forwarded-For, trusted only
# for the proxies listed in TRUSTED_PROXIES (heli/lib/http.py).
forwarded_allow_ips = os.getenv("TRUSTED_PROXIES", "127.0.0.1")
accesslog = "-"
errorlog = "-"
limit_request_line = 8190
