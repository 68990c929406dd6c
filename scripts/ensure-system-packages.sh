#!/usr/bin/env bash
# Installs the system packages the browser tests and screenshots need, when missing:
# Debian's Chromium (Playwright drives it; never a downloaded browser) and CJK fonts.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages: ${need[*]}. Install them with your package manager." >&2
    exit 1
fi
echo "Installing system packages: ${need[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
