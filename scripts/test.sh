#!/usr/bin/env bash
# The test command: install the project with its dev tools into .venv, then lint,
# type-check and run every test tier, then the VS Code extension's own (typecheck,
# lint, unit tests, build, package, end to end in code-server). `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
(cd vscode-client && npm ci --no-audit --no-fund && PYTHON="$PWD/../.venv/bin/python" npm test)
