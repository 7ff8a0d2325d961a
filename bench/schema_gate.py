"""Benchmark: ``schema check --against REF`` over a git history of the contracts.

Builds a temporary repository with our contracts and ``--commits`` further commits (each adds
an optional field to ``Envelope`` or to ``OrderPlaced``, so every event subject gains versions),
then measures in the same run:

  * the gate as shipped: ``check_against_git`` (one ``git cat-file --batch`` reader, files
    parsed once per content, references resolved by type name per commit);
  * a baseline that does the obvious thing: ``load_workspace_at_ref`` at every commit that
    touched the contracts (``git show`` per file, full manifest + parse per commit), then the
    same compatibility checks.

Prints both times, the ratio, and the number of (subject, version) pairs checked.
Usage: .venv/bin/python bench/schema_gate.py [--commits 40]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from eventflow.contracts import ParsedSchema, check_compatibility
from eventflow.workspace import load_workspace, load_workspace_at_ref
from eventflow.workspace._gate import check_against_git

REPO = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def build_repo(root: Path, commits: int) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "user.name", "bench")
    shutil.copytree(REPO / "schemas" / "avro", repo / "schemas" / "avro")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "contracts")
    targets = [
        repo / "schemas/avro/common/Envelope.avsc",
        repo / "schemas/avro/events/OrderPlaced.avsc",
    ]
    for index in range(commits):
        path = targets[index % 2]
        field = (
            f'{{"name": "extra_{index}", "type": ["null", "string"], "default": null, '
            f'"doc": "Bench field {index}."}},'
        )
        text = path.read_text()
        path.write_text(text.replace('"fields": [', '"fields": [\n    ' + field, 1))
        git(repo, "commit", "-q", "-am", f"extra {index}")
    return repo


def baseline(repo: Path) -> int:
    ws = load_workspace(repo / "schemas" / "avro")
    commits = git(repo, "log", "--format=%H", "--reverse", "HEAD", "--", "schemas/avro").split()
    history: dict[str, list[ParsedSchema]] = {s.subject: [] for s in ws.manifest.subjects}
    for commit in commits:
        old = load_workspace_at_ref(repo, commit)
        for entry in ws.manifest.subjects:
            schema = old.by_file[entry.file]
            versions = history[entry.subject]
            if not versions or versions[-1].fingerprint != schema.fingerprint:
                versions.append(schema)
    pairs = 0
    for entry in ws.manifest.subjects:
        new = ws.by_file[entry.file]
        check_compatibility(new, history[entry.subject], entry.compatibility)
        pairs += len(history[entry.subject])
    return pairs


def shipped(repo: Path) -> int:
    ws = load_workspace(repo / "schemas" / "avro")
    verdicts = check_against_git(ws, "HEAD")
    assert all(v.status == "ok" for v in verdicts), [v.entry.subject for v in verdicts]
    return sum(v.checked for v in verdicts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = build_repo(Path(tmp), args.commits)
        # ours first: the engine caches compatible pairs, so whatever runs second is helped
        start = time.perf_counter()
        pairs = shipped(repo)
        ours_s = time.perf_counter() - start
        start = time.perf_counter()
        base_pairs = baseline(repo)
        base_s = time.perf_counter() - start
    print(f"history: {args.commits + 1} commits, 14 subjects")
    print(f"baseline (load_workspace_at_ref per commit): {base_s:.2f} s, {base_pairs} versions")
    print(f"schema check --against HEAD:                 {ours_s:.2f} s, {pairs} pairs checked")
    print(f"speed-up vs baseline: {base_s / ours_s:.1f}x")


if __name__ == "__main__":
    main()
