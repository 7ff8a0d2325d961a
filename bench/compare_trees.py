"""Back-to-back comparison of this tree against another git ref, in one run.

Measures the in-process pieces of ``bench/value_pieces.py`` (the API's envelope, payload check
and encode; the pipeline stages' decode, splice and full encode: CPU µs per order.placed event)
for THIS tree and for ``--against REF`` (checked out into a temporary git worktree),
alternating the two trees round after round so both see the same machine, and prints per
piece the best of the rounds for each tree and the ratio this/REF (< 1.00: this tree is faster).
Each round runs one child process per tree with that tree's ``src`` first on PYTHONPATH.

With ``--e2e`` it also runs each tree's own ``bench/pipeline_e2e.py`` (real Kafka, stage CPU
µs/event) and ``bench/http_ingest.py`` back to back, each once per tree, and prints their
per-stage figures side by side. Run it on a quiet machine; figures on a loaded host mislead.

Usage: .venv/bin/python bench/compare_trees.py --against main [--rounds 7] [--n 2000]
       [--repeat 5] [--e2e] [--e2e-events 30000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PIECES = str(Path(__file__).with_name("value_pieces.py"))


def run_pieces(tree: Path, n: int, repeat: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run(
        [sys.executable, PIECES, "--n", str(n), "--repeat", str(repeat)],
        env=env,
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"value_pieces.py failed on {tree}:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    where = Path(result.pop("eventflow"))
    if where != tree / "src" / "eventflow":
        raise SystemExit(f"measured {where}, not the tree {tree}: check PYTHONPATH")
    return {k: float(v) for k, v in result.items()}


def run_script(tree: Path, script: str, args: list[str], out: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree}"}
    subprocess.run(
        [sys.executable, str(tree / "bench" / script), *args, "--json", str(out)],
        env=env,
        cwd=tree,
        check=True,
    )
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def compare(trees: dict[str, Path], rounds: int, n: int, repeat: int) -> dict[str, Any]:
    best: dict[str, dict[str, float]] = {name: {} for name in trees}
    order = list(trees)
    for i in range(rounds):
        for name in order if i % 2 == 0 else reversed(order):
            for piece, value in run_pieces(trees[name], n, repeat).items():
                best[name][piece] = min(value, best[name].get(piece, float("inf")))
        print(f"round {i + 1}/{rounds} done", file=sys.stderr)
    this, other = order
    return {  # a piece only one tree has (new in this one) is shown, its ratio None
        piece: {
            this: best[this].get(piece),
            other: best[other].get(piece),
            "ratio": (
                round(best[this][piece] / best[other][piece], 3)
                if piece in best[this] and piece in best[other]
                else None
            ),
        }
        for piece in {**best[this], **best[other]}
    }


def flatten(figures: Any, prefix: str = "") -> dict[str, float]:
    """Every number in a nested JSON result, keyed by its dotted path."""
    out: dict[str, float] = {}
    if isinstance(figures, dict):
        for key, value in figures.items():
            out.update(flatten(value, f"{prefix}{key}."))
    elif isinstance(figures, int | float) and not isinstance(figures, bool):
        out[prefix.rstrip(".")] = float(figures)
    return out


def print_side_by_side(results: dict[str, Any], this: str, other: str) -> None:
    """The figures both trees reported, one per line, with the ratio this/other."""
    mine, theirs = flatten(results[this]), flatten(results[other])
    shared = [key for key in mine if key in theirs]
    if not shared:
        return
    width = max(len(key) for key in shared)
    print(f"  {'figure':<{width}}  {this:>12}  {other:>12}  this/{other}")
    for key in shared:
        ratio = f"{mine[key] / theirs[key]:.3f}" if theirs[key] else "-"
        print(f"  {key:<{width}}  {mine[key]:>12,.1f}  {theirs[key]:>12,.1f}  {ratio}")
    only = [key for key in mine if key not in theirs]
    if only:
        print(f"  only in {this}: " + ", ".join(f"{k} {mine[k]:,.1f}" for k in only))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git ref to compare with, e.g. main")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--e2e", action="store_true", help="also pipeline_e2e and http_ingest")
    parser.add_argument("--e2e-events", type=int, default=30000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventflow-against-") as tmp:
        other = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(other), args.against],
            check=True,
            capture_output=True,
        )
        try:
            trees = {"this": REPO, args.against: other}
            report: dict[str, Any] = {"pieces": compare(trees, args.rounds, args.n, args.repeat)}
            if args.e2e:
                for script, extra in (
                    ("pipeline_e2e.py", ["--events", str(args.e2e_events)]),
                    ("http_ingest.py", []),
                ):
                    report[script] = {
                        name: run_script(tree, script, extra, Path(tmp) / f"{name}-{script}.json")
                        for name, tree in trees.items()
                    }
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(other)], check=False
            )
    width = max(len(p) for p in report["pieces"])
    print(f"{'CPU µs/event':<{width}}  {'this':>9}  {args.against:>9}  this/{args.against}")
    for piece, row in report["pieces"].items():
        cells = ["—" if v is None else f"{v:.2f}" for v in (row["this"], row[args.against])]
        ratio = "—" if row["ratio"] is None else f"{row['ratio']:.3f}"
        print(f"{piece:<{width}}  {cells[0]:>9}  {cells[1]:>9}  {ratio}")
    for script in ("pipeline_e2e.py", "http_ingest.py"):
        if script in report:
            print(f"\n{script} (each tree's own script, one run each, this tree first):")
            print_side_by_side(report[script], "this", args.against)
            for name, figures in report[script].items():
                print(f"  {name}: {json.dumps(figures)[:2000]}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
