#!/usr/bin/env bash
# Sets everything up and runs the main job: a real Kafka (KRaft) started locally, topics applied.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
eventflow dev up
