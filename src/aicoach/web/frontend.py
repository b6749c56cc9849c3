"""What the server tells the browser about its ES modules: the import map and the card map.

* The **import map** maps every module under ``static/js`` from its bare URL to the same URL with
  a content hash (``/static/js/kit/api.js`` → ``/static/js/kit/api.js?v=3f2a…``). Modules import
  each other by plain relative paths; the browser resolves those to bare URLs and the map
  rewrites them, so every module, however deeply imported, is cache-busted when (and only when)
  its bytes change. A module URL is also its identity: the entry ``<script>`` tags use the same
  hashed URL (``static()`` in templates), so a module imported from two places runs once.
* The **card map** ``{type: {module, tab}}`` tells the chat which module renders each card type
  (a URL the import map covers) and which center tab a click on it opens; it is built from the
  slices' :class:`aicoach.plugin.CardSpec` declarations, so the JS lists no card types.

Both are computed once, at start-up. Web infrastructure: this module imports no feature slice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from aicoach.plugin import CardSpec

STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/static"
JS_DIR = "js"


@cache
def content_version(file: Path) -> str:
    """A short hash of ``file``'s bytes (``"0"`` when it does not exist); read once per process."""
    if not file.is_file():
        return "0"
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10]


def static_url(path: str, static_dir: Path = STATIC_DIR) -> str:
    """``/static/<path>?v=<content hash>``, the cache-busted URL of a static file."""
    return f"{STATIC_URL}/{path}?v={content_version(static_dir / path)}"


@cache
def build_import_map(static_dir: Path = STATIC_DIR) -> Mapping[str, Mapping[str, str]]:
    """``{"imports": {bare module URL: hashed URL}}`` for every ``.js`` file under ``js/``."""
    root = static_dir / JS_DIR
    imports: dict[str, str] = {}
    for file in sorted(root.rglob("*.js")):
        path = file.relative_to(static_dir).as_posix()
        imports[f"{STATIC_URL}/{path}"] = static_url(path, static_dir)
    return {"imports": imports}


def build_card_map(
    cards: Sequence[CardSpec], static_dir: Path = STATIC_DIR
) -> dict[str, dict[str, str]]:
    """``{type: {"module": module URL, "tab": tab id or ""}}``.

    Raises ``ValueError`` for a type declared twice or a module that is not in ``static/js``:
    a typo in a slice's CardSpec fails at start-up, not as a blank card in a trader's chat.
    """
    card_map: dict[str, dict[str, str]] = {}
    for spec in cards:
        if spec.type in card_map:
            raise ValueError(f"card type {spec.type!r} is declared twice")
        path = f"{JS_DIR}/{spec.module}"
        if not (static_dir / path).is_file():
            raise ValueError(f"card {spec.type!r}: no module static/{path}")
        card_map[spec.type] = {"module": f"{STATIC_URL}/{path}", "tab": spec.tab}
    return card_map
