#!/usr/bin/env bash
# The whole test job: lint, types, contract gates, then every unit and integration test
# (integration tests start a real Kafka and the schema registry by themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff";  ruff check . && ruff format --check .
echo "== mypy";  mypy
echo "== codegen drift"; eventflow codegen --check
echo "== schema gate"; bash scripts/schema-gate.sh
echo "== pytest"; pytest "$@"
