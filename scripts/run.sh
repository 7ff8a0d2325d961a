#!/usr/bin/env bash
# Sets everything up and runs the main job: the whole pipeline on a local Kafka (KRaft) and
# schema registry, then a demo (events posted over HTTP, some dead-lettered, rows written).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
state="${EVENTFLOW_DEV__STATE_DIR:-.eventflow}"
eventflow dev up
EVENTFLOW_PIPELINE__DEMO_API_KEY="$(cat "$state/dev-api-key")" eventflow demo
echo
echo "The stack keeps running: eventflow dev status | eventflow dev down (from .venv/bin)."
