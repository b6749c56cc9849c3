"""Scrubbing: no password, cookie, session id, CSRF token, API token or provider key leaves us.

Two independent layers run on every Sentry event, transaction and breadcrumb:

1. the SDK's own :class:`sentry_sdk.scrubber.EventScrubber` (``sdk_event_scrubber``) with its
   denylist extended by our cookie and header names, run recursively by the SDK itself;
2. our :class:`Scrubber`, installed as ``before_send`` / ``before_send_transaction`` /
   ``before_breadcrumb``. It walks the whole payload (request headers, cookies, query string,
   body, extra, contexts, tags, breadcrumbs, exception messages and frame variables, span data)
   and

   * replaces the value under any *sensitive key* (matched on the normalised key, lower case with
     ``-`` → ``_``, by substring: ``password``, ``secret``, ``token``, ``api_key``, ``cookie``,
     ``session``, ``csrf`` ...); numbers and booleans are kept, since ``input_tokens: 12`` is no
     secret;
   * replaces, inside any string, every occurrence of a *known secret* (the provider API key and
     the app secret key given at construction, plus the request's own cookie/authorization/CSRF
     header values and any value registered with ``context.register_secret``);
   * replaces the secret part of ``Bearer <x>``, of our API tokens (``aic_`` + 40 url-safe
     characters) and of ``name=value`` / ``"name": "value"`` pairs whose name is sensitive.

Source lines of stack frames are only checked for known secrets (code is not a secret, and the
``name=value`` pattern would garble it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import SecretStr
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

FILTERED = "[Filtered]"

SESSION_COOKIE = "aicoach_session"
CSRF_COOKIE = "aicoach_csrf"

#: Substrings of a normalised key that mark its value as secret.
SENSITIVE_KEY_PARTS: tuple[str, ...] = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "privatekey",
    "authorization",
    "cookie",
    "session",
    "csrf",
    "xsrf",
    "credential",
    "signature",
)
#: Whole normalised keys that are secret (too short to match as substrings).
SENSITIVE_KEYS: frozenset[str] = frozenset(
    {
        "auth",
        "pwd",
        "pass",
        "sid",
        "jwt",
        "bearer",
        "otp",
        "x_api_key",
        "proxy_authorization",
        "x_forwarded_for",
        "x_real_ip",
        "forwarded",
        "remote_addr",
        "ip_address",
    }
)
#: Frame fields holding source code or locations: checked for known secrets only.
_SOURCE_KEYS = frozenset(
    {"pre_context", "context_line", "post_context", "abs_path", "filename", "module", "function"}
)
#: Headers whose raw values the middleware remembers as the request's own secrets.
SECRET_HEADERS: frozenset[bytes] = frozenset(
    {
        b"cookie",
        b"authorization",
        b"proxy-authorization",
        b"x-csrf-token",
        b"x-xsrf-token",
        b"x-csrftoken",
        b"x-api-key",
    }
)

_NAME = (
    r"[\w.\-]*(?:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|access[_\-]?key"
    r"|authorization|cookie|session|sessionid|csrf|xsrf|credential|signature)[\w.\-]*"
)
_PAIR_RE = re.compile(r"(?i)(" + _NAME + r"""["']?\s*[=:]\s*["']?)([^\s&;,"'<>\]\[{}]+)""")
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=\-]{6,}")
_API_TOKEN_RE = re.compile(r"aic_[A-Za-z0-9_\-]{32,}")
_MIN_SECRET_LEN = 6
_MAX_DEPTH = 64


def normalise_key(key: str) -> str:
    return key.lower().replace("-", "_")


def is_sensitive_key(key: str) -> bool:
    """Whether the value stored under ``key`` must be dropped (see the module docstring)."""
    k = normalise_key(key)
    return k in SENSITIVE_KEYS or any(part in k for part in SENSITIVE_KEY_PARTS)


def sdk_event_scrubber() -> EventScrubber:
    """The SDK's scrubber with its denylist extended by our names, recursive."""
    denylist = [
        *DEFAULT_DENYLIST,
        SESSION_COOKIE,
        CSRF_COOKIE,
        f"__Host-{SESSION_COOKIE}",
        f"__Host-{CSRF_COOKIE}",
        "x-csrf-token",
        "x_csrf_token",
        "x-api-key",
        "api-key",
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "secret_key",
        "massive_api_key",
        "openai_api_key",
        "anthropic_api_key",
        "session_id",
        "session_token",
        "new_password",
        "current_password",
        "password_confirm",
    ]
    return EventScrubber(
        denylist=denylist, recursive=True, pii_denylist=[*DEFAULT_PII_DENYLIST, "x-forwarded-for"]
    )


def expand_raw_secrets(raw: Iterable[tuple[str, str]]) -> list[str]:
    """Turn remembered header values into the individual secrets they carry.

    ``cookie: a=1; aicoach_session=XYZ`` yields ``XYZ`` (and every other cookie value long enough
    to be a secret); ``authorization: Bearer T`` yields ``T`` and the whole header value.
    """
    out: list[str] = []
    for name, value in raw:
        value = value.strip()
        if name == "cookie":
            for part in value.split(";"):
                _, sep, cookie_value = part.partition("=")
                if sep:
                    out.append(cookie_value.strip().strip('"'))
        elif name in {"authorization", "proxy-authorization"}:
            out.append(value)
            _, _, credential = value.partition(" ")
            out.append(credential.strip())
        else:
            out.append(value)
    return [s for s in out if len(s) >= _MIN_SECRET_LEN]


def _secret_values(values: Iterable[str | SecretStr | None]) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value and len(value) >= _MIN_SECRET_LEN:
            out.append(value)
    return out


class Scrubber:
    """Removes secrets from Sentry payloads in place; see the module docstring for the rules."""

    def __init__(self, secrets: Iterable[str | SecretStr | None] = ()) -> None:
        self._secrets: list[str] = _secret_values(secrets)
        self._secrets_re = self._compile(self._secrets)

    @staticmethod
    def _compile(secrets: Sequence[str]) -> re.Pattern[str] | None:
        if not secrets:
            return None
        # Longest first, so a secret that contains another is replaced whole.
        ordered = sorted(set(secrets), key=len, reverse=True)
        return re.compile("|".join(re.escape(s) for s in ordered))

    def add_secret(self, value: str | SecretStr | None) -> None:
        """Add a process-wide known secret (e.g. a key loaded after start-up)."""
        self._secrets.extend(_secret_values([value]))
        self._secrets_re = self._compile(self._secrets)

    def _secrets_for(self, extra: Sequence[str]) -> re.Pattern[str] | None:
        extra_ok = [s for s in extra if len(s) >= _MIN_SECRET_LEN]
        if not extra_ok:
            return self._secrets_re
        return self._compile([*self._secrets, *extra_ok])

    # --- strings ---------------------------------------------------------------------------

    def scrub_text(self, text: str, extra_secrets: Sequence[str] = ()) -> str:
        """``text`` with known secrets, bearer credentials, API tokens and secret pairs removed."""
        return self._scrub_str(text, self._secrets_for(extra_secrets), patterns=True)

    @staticmethod
    def _scrub_str(text: str, secrets_re: re.Pattern[str] | None, *, patterns: bool) -> str:
        if secrets_re is not None:
            text = secrets_re.sub(FILTERED, text)
        if patterns:
            text = _BEARER_RE.sub(lambda m: m.group(1) + m.group(2) + FILTERED, text)
            text = _API_TOKEN_RE.sub(FILTERED, text)
            text = _PAIR_RE.sub(lambda m: m.group(1) + FILTERED, text)
        return text

    # --- structures ------------------------------------------------------------------------

    def scrub(self, payload: Any, extra_secrets: Sequence[str] = ()) -> Any:
        """Scrub any JSON-like payload in place (dicts and lists) and return it."""
        secrets_re = self._secrets_for(extra_secrets)
        if isinstance(payload, str):
            return self._scrub_str(payload, secrets_re, patterns=True)
        self._walk(payload, secrets_re, 0)
        return payload

    def _walk(
        self, node: Any, secrets_re: re.Pattern[str] | None, depth: int, patterns: bool = True
    ) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and is_sensitive_key(key):
                    if value is not None and not isinstance(value, (bool, int, float)):
                        node[key] = FILTERED
                    continue
                keep_patterns = patterns and key not in _SOURCE_KEYS
                if isinstance(value, str):
                    node[key] = self._scrub_str(value, secrets_re, patterns=keep_patterns)
                elif isinstance(value, (dict, list, tuple)):
                    if isinstance(value, tuple):
                        value = node[key] = list(value)
                    self._walk(value, secrets_re, depth + 1, keep_patterns)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = self._scrub_str(value, secrets_re, patterns=patterns)
                elif isinstance(value, (dict, list, tuple)):
                    if isinstance(value, tuple):
                        value = node[i] = list(value)
                    self._walk(value, secrets_re, depth + 1, patterns)
