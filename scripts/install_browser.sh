#!/usr/bin/env bash
# Installs the headless browser the browser tests (pytest -m browser: Data Docs, the dashboard) drive:
# Debian's `chromium` package at /usr/bin/chromium, and a CJK font (fonts-wqy-zenhei) so the dashboard's
# Chinese labels render as glyphs, not boxes. The playwright python package is used only as a driver
# (executable_path=/usr/bin/chromium); no playwright-bundled browser is downloaded.
#
# Idempotent: does nothing when /usr/bin/chromium already runs. Needs root (or sudo) and the Debian
# package mirror; runs `apt-get update` only when the package is not yet known to apt.
# Usage: scripts/install_browser.sh            (exit 0 when the browser is ready)
set -euo pipefail

CHROMIUM="${KEYNODE_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "[install_browser] $("$CHROMIUM" --version) already installed at $CHROMIUM"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "[install_browser] need root (or sudo) to apt-get install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium fonts-wqy-zenhei >/dev/null 2>&1; then
  echo "[install_browser] apt-get update"
  $SUDO apt-get update -qq
fi
echo "[install_browser] apt-get install chromium"
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-wqy-zenhei >/dev/null

"$CHROMIUM" --version
