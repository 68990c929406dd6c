#!/usr/bin/env bash
# Installs the system packages the browser tests and screenshots need, when missing:
# Debian's Chromium (Playwright drives it; never a downloaded browser) and CJK fonts;
# ClamAV (clamscan, clamd), which the upload tests run with a signature of their own; and
# nginx, which the production-configuration test puts in front of gunicorn.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# grep reads all of fc-list's output: with -q it would stop early and, under pipefail,
# the SIGPIPE of fc-list would count as "missing".
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
command -v clamscan >/dev/null 2>&1 || need+=(clamav)
[ -x /usr/sbin/clamd ] || need+=(clamav-daemon)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages: ${need[*]}. Install them with your package manager." >&2
    exit 1
fi
echo "Installing system packages: ${need[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
