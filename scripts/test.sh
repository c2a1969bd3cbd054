#!/usr/bin/env bash
# Install the test dependencies and run every check CI runs: lint, format, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e ".[dev]"
# The store and API tests also run on a real PostgreSQL server (tests start a throwaway
# cluster); install Debian's package when it is missing.
if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql > /dev/null
fi
# The browser tests (tests/web_ui/) drive Debian's chromium through Playwright, launched by
# path: Playwright's own browser downloads are never used.
if ! command -v chromium > /dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium > /dev/null
fi
python -m ruff check src tests benchmarks
python -m ruff format --check src tests benchmarks
python -m mypy src
python -m pytest -q "$@"
