"""The release name events are tagged with: ``aicoach@<version>+<git sha>``.

``SENTRY_RELEASE`` wins when set. Otherwise the package version, plus the commit when known:
from ``GIT_COMMIT`` / ``SOURCE_COMMIT`` (container builds have no ``.git``), else read straight
from the ``.git`` directory above the package or the working directory (``HEAD`` → ref file or
``packed-refs``). No subprocess, and nothing runs at import time.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from aicoach.config import Settings

_SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_SHORT = 12


def package_version() -> str:
    try:
        return metadata.version("aicoach")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _git_dir(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = candidate.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:") :].strip())
                return target if target.is_absolute() else (directory / target).resolve()
    return None


def _read_ref(git_dir: Path, ref: str) -> str | None:
    # A worktree keeps HEAD locally but shares refs with the main repository ("commondir").
    roots = [git_dir]
    common = git_dir / "commondir"
    if common.is_file():
        roots.append((git_dir / common.read_text(encoding="utf-8").strip()).resolve())
    for root in roots:
        ref_file = root / ref
        if ref_file.is_file():
            sha = ref_file.read_text(encoding="utf-8").strip()
            if _SHA_RE.match(sha):
                return sha
        packed = root / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref and _SHA_RE.match(parts[0]):
                    return parts[0]
    return None


def git_commit(start: Path | None = None) -> str | None:
    """The full sha of ``HEAD`` of the repository containing ``start`` (or this package / cwd)."""
    for env in ("GIT_COMMIT", "SOURCE_COMMIT", "AICOACH_GIT_COMMIT"):
        value = os.environ.get(env, "").strip().lower()
        if _SHA_RE.match(value) or re.fullmatch(r"[0-9a-f]{7,40}", value):
            return value
    starts = [start] if start is not None else [Path(__file__).resolve().parent, Path.cwd()]
    for begin in starts:
        git_dir = _git_dir(begin)
        if git_dir is None:
            continue
        head_file = git_dir / "HEAD"
        if not head_file.is_file():
            continue
        head = head_file.read_text(encoding="utf-8").strip()
        if head.startswith("ref:"):
            return _read_ref(git_dir, head[len("ref:") :].strip())
        return head if _SHA_RE.match(head) else None
    return None


@lru_cache(maxsize=1)
def _default_release() -> str:
    version = package_version()
    sha = git_commit()
    return f"aicoach@{version}+{sha[:_SHORT]}" if sha else f"aicoach@{version}"


def release_name(settings: Settings) -> str:
    """``settings.sentry_release`` or ``aicoach@<version>[+<12-char sha>]`` (cached per process)."""
    if settings.sentry_release:
        return settings.sentry_release
    return _default_release()


def environment_name(settings: Settings) -> str:
    """``SENTRY_ENVIRONMENT`` or the app's ``env`` (development / test / production)."""
    return settings.sentry_environment or str(settings.env.value)
