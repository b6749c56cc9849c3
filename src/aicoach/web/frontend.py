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

The files under ``/static`` are a :class:`StaticTree`: the app's own ``web/static`` plus, for a
slice that ships its browser modules in its own folder (``Manifest.assets``), that folder laid
over ``js/<slice>/`` — so a plug-in slice is one folder, JS included.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.staticfiles import StaticFiles

from aicoach.plugin import CardSpec

STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/static"
JS_DIR = "js"


@dataclass(frozen=True, slots=True)
class StaticTree:
    """What ``/static/<path>`` serves: ``overlays`` (``(prefix, folder)`` pairs such as
    ``("js/toy", <slice>/assets)``) first, then ``base``."""

    base: Path = STATIC_DIR
    overlays: tuple[tuple[str, Path], ...] = ()

    @classmethod
    def with_slices(cls, assets: Mapping[str, Path], base: Path = STATIC_DIR) -> StaticTree:
        """The app's tree with each slice's asset folder at ``js/<slice name>/``."""
        return cls(base, tuple((f"{JS_DIR}/{name}", folder) for name, folder in assets.items()))

    def locate(self, path: str) -> Path:
        """The file behind ``/static/<path>`` (it may not exist)."""
        for prefix, folder in self.overlays:
            if path.startswith(prefix + "/"):
                return folder / path[len(prefix) + 1 :]
        return self.base / path

    def modules(self) -> Iterator[str]:
        """Every ES module's path under ``/static``, sorted, overlays included."""
        paths = {f.relative_to(self.base).as_posix() for f in (self.base / JS_DIR).rglob("*.js")}
        for prefix, folder in self.overlays:
            paths |= {f"{prefix}/{f.relative_to(folder).as_posix()}" for f in folder.rglob("*.js")}
        yield from sorted(paths)


@cache
def content_version(file: Path) -> str:
    """A short hash of ``file``'s bytes (``"0"`` when it does not exist); read once per process."""
    if not file.is_file():
        return "0"
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10]


def static_url(path: str, tree: StaticTree | Path = StaticTree()) -> str:
    """``/static/<path>?v=<content hash>``, the cache-busted URL of a static file."""
    tree = tree if isinstance(tree, StaticTree) else StaticTree(tree)
    return f"{STATIC_URL}/{path}?v={content_version(tree.locate(path))}"


@cache
def build_import_map(tree: StaticTree | Path = StaticTree()) -> Mapping[str, Mapping[str, str]]:
    """``{"imports": {bare module URL: hashed URL}}`` for every ``.js`` module of the tree."""
    tree = tree if isinstance(tree, StaticTree) else StaticTree(tree)
    return {"imports": {f"{STATIC_URL}/{p}": static_url(p, tree) for p in tree.modules()}}


def build_card_map(
    cards: Sequence[CardSpec], tree: StaticTree | Path = StaticTree()
) -> dict[str, dict[str, str]]:
    """``{type: {"module": module URL, "tab": tab id or ""}}``.

    Raises ``ValueError`` for a type declared twice or a module the tree does not have: a typo
    in a slice's CardSpec fails at start-up, not as a blank card in a trader's chat.
    """
    tree = tree if isinstance(tree, StaticTree) else StaticTree(tree)
    card_map: dict[str, dict[str, str]] = {}
    for spec in cards:
        if spec.type in card_map:
            raise ValueError(f"card type {spec.type!r} is declared twice")
        path = f"{JS_DIR}/{spec.module}"
        if not tree.locate(path).is_file():
            raise ValueError(f"card {spec.type!r}: no module static/{path}")
        card_map[spec.type] = {"module": f"{STATIC_URL}/{path}", "tab": spec.tab}
    return card_map


class TreeStaticFiles(StaticFiles):
    """Starlette's static files over a :class:`StaticTree`: an overlay's path is answered from its
    folder only (never outside it), anything else from the base directory."""

    def __init__(self, tree: StaticTree) -> None:
        super().__init__(directory=tree.base)
        self.tree = tree

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        for prefix, folder in self.tree.overlays:
            if path.startswith(prefix + "/"):
                root = folder.resolve()
                full = (root / path[len(prefix) + 1 :]).resolve()
                if full.is_relative_to(root) and full.is_file():
                    return str(full), full.stat()
                return "", None
        return super().lookup_path(path)
