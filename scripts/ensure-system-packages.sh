#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing:
#   chromium        browser tests (Playwright drives /usr/bin/chromium; never `playwright install`)
#   docker-compose  tests/test_docker_compose.py validates docker-compose.yml with it (v1, Debian)
#   poppler-utils   pdftoppm and pdftotext, for the PDF export tests
#   libpango        WeasyPrint renders the PDF report with Pango
# Chromium also draws the report's charts (kaleido), so `make run` asks for it too.
# Runs as root (CI, the project's machines); never prompts.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-liberation)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)

if [ ${#need[@]} -eq 0 ]; then
    echo ">> system packages present (chromium, docker-compose, poppler-utils, pango)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages: ${need[*]}" >&2
    echo "       install them as root: apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
fi

echo ">> installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null
