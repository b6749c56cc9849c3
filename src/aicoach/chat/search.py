"""Full-text search over the user's own chat messages, with highlighted snippets.

SQLite: the FTS5 table ``chat_messages_fts`` (porter stemming, diacritics folded) and
``snippet()``; PostgreSQL: ``to_tsvector('english', content)`` (GIN-indexed) with
``websearch_to_tsquery`` and ``ts_headline``. Newest matches first.

The query is user input, so it is never passed through as FTS syntax: on SQLite it is split
into word tokens, each quoted as an FTS5 string (``"`` doubled), the last one a prefix match
(``"opti"*`` finds "options" while typing), all ANDed; on PostgreSQL ``websearch_to_tsquery``
accepts any text without syntax errors. Snippets are HTML: the message text is escaped and only
our ``<mark>``/``</mark>`` are markup — the highlighter marks with control characters that
cannot occur in stored text, then escaping, then swapping them for the tags.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_QUERY = 200
MAX_TERMS = 12
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
#: Control characters other than our two marks, tab and newlines.
_CONTROL = re.compile(r"[\x00\x01\x04-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SearchHit:
    session_id: int
    message_id: int
    role: str
    snippet: str
    session_title: str
    created_at: datetime


def fts5_query(raw: str) -> str | None:
    """A safe FTS5 MATCH expression for ``raw``, or ``None`` when it has no words."""
    words = _WORD.findall(raw[:MAX_QUERY])[:MAX_TERMS]
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def render_snippet(marked: str) -> str:
    """Escape the text, then turn our control-character marks into ``<mark>`` tags. (Stored
    text has no control characters — ``schemas`` strips them — so every mark is ours; and even
    a stray one could only ever become a ``<mark>`` tag.)"""
    escaped = html.escape(_CONTROL.sub(" ", marked), quote=False)
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


# FTS5 as the outer loop, walked in descending rowid order (it serves ORDER BY rowid DESC
# natively), each hit checked against its message by primary key: the scan stops after `lim`
# of the user's hits instead of sorting every match; snippets only for those.
_SQLITE = """
SELECT m.id, m.session_id, m.role, m.created_at, s.title,
       snippet(chat_messages_fts, 0, :start, :stop, '…', 16) AS snip
FROM chat_messages_fts
CROSS JOIN chat_messages AS m ON m.id = chat_messages_fts.rowid
JOIN chat_sessions AS s ON s.id = m.session_id
WHERE chat_messages_fts MATCH :q AND m.user_id = :uid
ORDER BY chat_messages_fts.rowid DESC
LIMIT :lim
"""

# The headline is computed only for the page of hits (ts_headline re-parses each document).
_POSTGRES = """
WITH q AS (SELECT websearch_to_tsquery('english', :q) AS query),
hits AS (
  SELECT m.id, m.session_id, m.role, m.created_at, m.content
  FROM chat_messages AS m, q
  WHERE m.user_id = :uid AND to_tsvector('english', m.content) @@ q.query
  ORDER BY m.id DESC
  LIMIT :lim
)
SELECT h.id, h.session_id, h.role, h.created_at, s.title,
       ts_headline('english', h.content, q.query, :options) AS snip
FROM hits AS h JOIN chat_sessions AS s ON s.id = h.session_id, q
ORDER BY h.id DESC
"""


_PG_HEADLINE = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=24, MinWords=8, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):  # raw SQL on SQLite returns the stored text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def search_messages(
    session: AsyncSession, user_id: int, query: str, limit: int = 20
) -> list[SearchHit]:
    """The user's messages matching ``query``, newest first (other users' never match)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        q: str | None = query.strip()[:MAX_QUERY] or None
        sql = _POSTGRES
    else:
        q = fts5_query(query)
        sql = _SQLITE
    if q is None:
        return []
    params = {"q": q, "uid": user_id, "lim": limit, "start": _START, "stop": _STOP}
    if dialect == "postgresql":
        params["options"] = _PG_HEADLINE
    rows = await session.execute(text(sql), params)
    return [
        SearchHit(
            session_id=int(r.session_id),
            message_id=int(r.id),
            role=str(r.role),
            snippet=render_snippet(str(r.snip or "")),
            session_title=str(r.title or ""),
            created_at=_aware(r.created_at),
        )
        for r in rows
    ]
