#!/usr/bin/env bash
# Installs the Debian packages a target needs when they are missing.
#   --for run   what serving the app uses, for the PDF report (`make run`):
#     chromium        kaleido draws the report's charts with /usr/bin/chromium (with fonts-liberation)
#     libpango        WeasyPrint renders the PDF report with Pango
#   --for test  all of the above, and what only the test suite uses (`make test`; the default):
#     chromium        also the browser tests (Playwright drives /usr/bin/chromium; never `playwright install`)
#     docker-compose  tests/test_docker_compose.py validates docker-compose.yml with it (v1, Debian)
#     poppler-utils   pdftoppm and pdftotext, for the PDF export tests
#   --dry-run   print what it would install and install nothing (tests/test_makefile.py runs it)
# Runs as root (CI, the project's machines); never prompts.
set -euo pipefail

usage() {
    echo "usage: $0 [--for run|test] [--dry-run]" >&2
    exit 2
}

purpose=test
dry_run=0
while [ $# -gt 0 ]; do
    case "$1" in
        --for) [ $# -ge 2 ] || usage; purpose="$2"; shift 2 ;;
        --dry-run) dry_run=1; shift ;;
        *) usage ;;
    esac
done
case "$purpose" in
    run | test) ;;
    *) usage ;;
esac

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-liberation)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
checked="chromium, pango"
if [ "$purpose" = test ]; then
    command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
    command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
    checked="$checked, docker-compose, poppler-utils"
fi

if [ ${#need[@]} -eq 0 ]; then
    echo ">> system packages present ($checked)"
    exit 0
fi

if [ "$dry_run" -eq 1 ]; then
    echo "would install: ${need[*]}"
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
