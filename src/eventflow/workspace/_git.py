"""Reading committed files through ``git`` (the only place the workspace runs git)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from eventflow.errors import ConfigError, ErrorCode, EventFlowError


class GitError(EventFlowError):
    """git is missing or failed for a reason that is not the caller's input."""

    code = ErrorCode.GIT_FAILED


class GitRefNotFound(ConfigError):
    """The git ref given by the user does not name a commit."""

    code = ErrorCode.GIT_FAILED


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise GitError(f"cannot run git ({exc.strerror}); install git") from exc
    if check and done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise GitError(f"git {' '.join(args)} failed in {repo}: {detail}")
    return done


def repo_root(path: Path) -> Path | None:
    """The top of the git work tree holding ``path``, or None when it is not in one."""
    start = path if path.is_dir() else path.parent
    if not start.exists():
        return None
    done = _git(start, "rev-parse", "--show-toplevel", check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def resolve_commit(repo: Path, ref: str) -> str:
    """The commit id ``ref`` names; GitRefNotFound when it names none."""
    if ref.startswith("-"):
        raise GitRefNotFound(f"git ref {ref!r} not found in {repo} (a ref cannot start with '-')")
    done = _git(
        repo,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{ref}^{{commit}}",
        check=False,
    )
    if done.returncode != 0:
        if _git(repo, "rev-parse", "--git-dir", check=False).returncode != 0:
            raise GitRefNotFound(f"{repo} is not inside a git repository; cannot use --against")
        raise GitRefNotFound(
            f"git ref {ref!r} not found in {repo} (is it fetched? shallow clones lack history)"
        )
    return done.stdout.strip()


def has_parent(repo: Path, commit: str) -> bool:
    return (
        _git(repo, "rev-parse", "--verify", "--quiet", f"{commit}^1", check=False).returncode == 0
    )


def list_files(repo: Path, commit: str, subdir: str) -> list[str]:
    """Paths (relative to ``subdir``) of every file under ``subdir`` at ``commit``."""
    prefix = subdir.strip("/") + "/" if subdir.strip("/") else ""
    done = _git(repo, "ls-tree", "-r", "--name-only", "--full-tree", commit, "--", prefix or ".")
    return [line[len(prefix) :] for line in done.stdout.splitlines() if line.startswith(prefix)]


def show_file(repo: Path, commit: str, path: str) -> str | None:
    """Text of ``path`` (relative to the repository root) at ``commit``; None if absent."""
    done = _git(repo, "show", f"{commit}:{path}", check=False)
    return done.stdout if done.returncode == 0 else None


def commits_touching(
    repo: Path, ref: str, paths: list[str], *, first_parent: bool = False
) -> list[str]:
    """Commits reachable from ``ref`` that changed any of ``paths``, oldest first.

    ``first_parent``: only the commits of ``ref``'s own branch (a merge counts as one commit,
    changed against its first parent); the commits of merged branches are left out.
    """
    commit = resolve_commit(repo, ref)
    walk = ["--first-parent"] if first_parent else []
    done = _git(repo, "log", "--format=%H", "--reverse", *walk, commit, "--", *paths)
    return done.stdout.split()


def file_history(repo: Path, path: str, ref: str) -> list[str]:
    """Every committed version of ``path`` reachable from ``ref``, oldest first.

    ``path`` is relative to the repository root. Versions where the file was deleted are
    skipped; a file that was never committed has no history (an empty list).
    """
    texts: list[str] = []
    for commit in commits_touching(repo, ref, [path]):
        text = show_file(repo, commit, path)
        if text is not None:
            texts.append(text)
    return texts


class BatchReader:
    """Reads many ``commit:path`` texts through one ``git cat-file --batch`` process."""

    def __init__(self, repo: Path) -> None:
        try:
            self._process = subprocess.Popen(
                ["git", "-C", str(repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise GitError(f"cannot run git ({exc.strerror}); install git") from exc
        self._cache: dict[str, str | None] = {}

    def read(self, commit: str, path: str) -> str | None:
        """Text of ``path`` (relative to the repository root) at ``commit``; None if absent."""
        key = f"{commit}:{path}"
        if key not in self._cache:
            self._cache[key] = self._ask(key)
        return self._cache[key]

    def _ask(self, key: str) -> str | None:
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is None or stdout is None or "\n" in key:
            return None
        stdin.write(key.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().decode().split()
        if len(header) != 3:  # "<key> missing" or "<key> ambiguous"
            return None
        data = stdout.read(int(header[2]))
        stdout.read(1)  # the newline after the object
        if header[1] != "blob":
            return None
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process.wait(10)

    def __enter__(self) -> BatchReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
