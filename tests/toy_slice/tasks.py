"""The toy job: append a line to a file (what a test can watch from outside the process)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aicoach.worker.jobs import JobContext, JobSpec


def _append(path: str, line: str) -> None:
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(line + "\n")


async def remember(ctx: JobContext, path: str, line: str) -> None:
    await asyncio.to_thread(_append, path, line)


JOBS = (JobSpec("toy.remember", remember),)
