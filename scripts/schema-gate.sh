#!/usr/bin/env bash
# The schema CI gate: lint every contract, then check every manifest subject against the
# contracts' history up to the previous commit (HEAD~1, or $SCHEMA_GATE_AGAINST, e.g.
# origin/main on a pull request). A compatible change passes; an incompatible one fails with
# file:line and the reason. Exit codes: 0 pass, 1 finding, 2 invalid input, 3 registry away.
# History = the versions PUBLISHED on the ref's first-parent line (docs/schema-evolution.md).
# Set SCHEMA_GATE_FORMAT=github on GitHub Actions for inline annotations, and
# SCHEMA_GATE_REGISTRY=URL to also check against what that registry holds.
set -euo pipefail
cd "$(dirname "$0")/.."
format="${SCHEMA_GATE_FORMAT:-text}"

echo "-- eventflow schema lint"
eventflow schema lint --format "$format"

against="${SCHEMA_GATE_AGAINST:-HEAD~1}"
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "-- not a git work tree: no history to check against; compatibility check skipped (pass)"
  exit 0
fi
if ! git rev-parse --verify --quiet "${against}^{commit}" >/dev/null; then
  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = "true" ]; then
    echo "-- ${against} is not in this shallow clone: nothing to check against (pass)."
    echo "   Fetch history (actions/checkout with fetch-depth: 0) to enforce compatibility."
  elif [ -z "${SCHEMA_GATE_AGAINST:-}" ]; then
    echo "-- first commit: no previous commit to check against (pass)"
  else
    echo "error: SCHEMA_GATE_AGAINST=${against} does not name a commit" >&2
    exit 2
  fi
  exit 0
fi

registry=()
if [ -n "${SCHEMA_GATE_REGISTRY:-}" ]; then
  registry=(--registry "$SCHEMA_GATE_REGISTRY")
fi
echo "-- eventflow schema check --against ${against} ${registry[*]}"
eventflow schema check --against "$against" "${registry[@]}" --format "$format"
