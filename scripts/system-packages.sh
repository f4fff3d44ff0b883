#!/usr/bin/env bash
# Install the Debian packages the test suite needs (idempotent; only as root, only what is missing):
# PostgreSQL for the second run, redis-server for the bot's RedisStorage test, Chromium and fonts (Chinese,
# Tibetan) for browser tests, LibreOffice (headless) to open the exported ledger as a coordinator would,
# wrk for the HTTP benchmarks of bench/ (and their smoke test); Pango (WeasyPrint prints the posters
# through it), and poppler-utils and zbar-tools for the poster tests (pdffonts, pdftotext, pdftoppm, zbarimg);
# ffmpeg turns WeChat's voice messages (AMR, Speex) into Ogg/Opus the console plays (151 MB installed, 52 MB to
# download, with --no-install-recommends, Debian 12); nginx, the proxy in front of `make cluster` and of the
# deployment test of deploy/nginx/tipline.conf.
set -euo pipefail
packages=(postgresql postgresql-contrib redis-server chromium fonts-noto-core fonts-noto-cjk fonts-tibetan-machine libreoffice-calc-nogui wrk
  libpango-1.0-0 libpangoft2-1.0-0 poppler-utils zbar-tools ffmpeg nginx)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  exit 0
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
