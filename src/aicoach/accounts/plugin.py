"""The accounts slice: sign-up, log-in, sessions, API tokens, invites, the admin page."""

from __future__ import annotations

from aicoach.accounts import pages, routes, tasks
from aicoach.plugin import Manifest

MANIFEST = Manifest(
    name="accounts",
    routers=(pages.router, routes.router),
    jobs=tasks.JOBS,
    models=("aicoach.accounts.models",),
)
