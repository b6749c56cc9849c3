"""What the page needs to start the browser SDK (rendered as JSON into the base template)."""

from __future__ import annotations

from typing import Any

from aicoach.config import Settings
from aicoach.observability.release import environment_name, release_name
from aicoach.observability.tunnel import TUNNEL_PATH


def browser_sentry_config(settings: Settings) -> dict[str, Any] | None:
    """The options ``monitoring.js`` passes to ``Sentry.init``; ``None`` without a browser DSN.

    The DSN is the *public* browser DSN (``SENTRY_BROWSER_DSN``): it only allows sending events.
    Envelopes go through :data:`~aicoach.observability.tunnel.TUNNEL_PATH` on our own origin.
    Replay rates are fractions in [0, 1]; they only matter when the vendored bundle has replay.
    """
    if not settings.sentry_browser_dsn:
        return None
    return {
        "dsn": settings.sentry_browser_dsn,
        "environment": environment_name(settings),
        "release": release_name(settings),
        "tunnel": TUNNEL_PATH,
        "replaysSessionSampleRate": settings.sentry_replay_session_sample_rate,
        "replaysOnErrorSampleRate": settings.sentry_replay_on_error_sample_rate,
    }
