"""The vendored front-end files are exactly what scripts/vendor.json and MANIFEST.json promise.

Offline: hashes the committed files; `make vendor` (scripts/vendor.py) is what refreshes them.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "scripts" / "vendor.json").read_text(encoding="utf-8"))
WEB = ROOT / "src" / "aicoach" / "web"
VENDOR = WEB / "static" / "vendor"
MANIFEST_PATH = VENDOR / "MANIFEST.json"
MANIFEST: dict[str, Any] = (
    json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["libs"] if MANIFEST_PATH.is_file() else {}
)
LIBS = sorted(SPEC["libs"])

# Major-version policy from the architecture: HTMX 2 (not 4), Alpine 3, lightweight-charts 5,
# ECharts 5 or 6, the HTMX 2 SSE extension.
ALLOWED = {
    "htmx": r"2\.0\.\d+",
    "htmx-ext-sse": r"2\.\d+\.\d+",
    "alpinejs": r"3\.\d+\.\d+",
    "lightweight-charts": r"5\.\d+\.\d+",
    "echarts": r"[56]\.\d+\.\d+",
    "sentry": r"\d+\.\d+\.\d+",
    "swagger-ui": r"5\.\d+\.\d+",
}

# A string each main file must contain, proving the bytes are the declared release.
VERSION_MARKERS = {
    "htmx": 'version:"{v}"',
    "alpinejs": 'version:"{v}"',
    "lightweight-charts": "Lightweight Charts™ v{v}",
    "echarts": '"{v}"',
    "sentry": "@sentry/browser {v} |",
    "swagger-ui": 'PACKAGE_VERSION:"{v}"',
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_exists() -> None:
    assert MANIFEST_PATH.is_file(), "run `make vendor` to create static/vendor/MANIFEST.json"
    assert sorted(MANIFEST) == LIBS


@pytest.mark.parametrize("lib", LIBS)
def test_versions_are_exact_and_match_spec(lib: str) -> None:
    spec, entry = SPEC["libs"][lib], MANIFEST[lib]
    assert re.fullmatch(ALLOWED[lib], spec["version"]), f"{lib} {spec['version']} breaks the policy"
    assert (entry["name"], entry["version"]) == (spec["package"], spec["version"])
    assert entry["integrity"].startswith("sha512-")


@pytest.mark.parametrize("lib", LIBS)
def test_files_match_manifest_hashes(lib: str) -> None:
    files = MANIFEST[lib]["files"]
    assert files, f"{lib} has no files"
    for f in files:
        path = VENDOR / f["path"]
        assert path.is_file(), f"{f['path']} is missing"
        assert path.stat().st_size == f["bytes"], f"{f['path']} size differs"
        assert sha256(path) == f["sha256"], f"{f['path']} differs from the manifest"


@pytest.mark.parametrize("lib", LIBS)
def test_every_spec_file_and_a_licence_is_vendored(lib: str) -> None:
    spec = SPEC["libs"][lib]
    names = {Path(f["path"]).name for f in MANIFEST[lib]["files"]}
    wanted = set(spec.get("files", {}).values()) | set(spec.get("licenses", {}).values())
    if "bundle" in spec:
        wanted.add(spec["bundle"]["output"])
    assert wanted <= names
    assert "LICENSE" in names
    assert (VENDOR / lib / "LICENSE").read_text(encoding="utf-8").strip()


def test_no_stray_files_in_vendor_dir() -> None:
    listed = {f["path"] for entry in MANIFEST.values() for f in entry["files"]}
    present = {
        p.relative_to(VENDOR).as_posix()
        for p in VENDOR.rglob("*")
        if p.is_file() and p != MANIFEST_PATH
    }
    assert present == listed


@pytest.mark.parametrize("lib", sorted(VERSION_MARKERS))
def test_main_file_is_the_declared_release(lib: str) -> None:
    spec = SPEC["libs"][lib]
    main = spec["bundle"]["output"] if "bundle" in spec else next(iter(spec["files"].values()))
    text = (VENDOR / lib / main).read_text(encoding="utf-8")
    assert VERSION_MARKERS[lib].format(v=spec["version"]) in text


def test_sentry_bundle_sets_window_sentry_and_lists_bundled_licences() -> None:
    text = (VENDOR / "sentry" / "bundle.min.js").read_text(encoding="utf-8")
    # A top-level `var` in a classic script becomes window.Sentry, like Sentry's CDN bundles.
    assert "\nvar Sentry=(()=>{" in text
    bundled = MANIFEST["sentry"]["bundled"]
    assert bundled["@sentry/browser"] == SPEC["libs"]["sentry"]["version"]
    assert {"@sentry/core", "@sentry/replay", "@sentry/browser-utils"} <= set(bundled)
    licence = (VENDOR / "sentry" / "LICENSE").read_text(encoding="utf-8")
    for name, version in bundled.items():
        assert f"===== {name} {version} =====" in licence


def test_templates_reference_only_vendored_files() -> None:
    listed = {f["path"] for entry in MANIFEST.values() for f in entry["files"]}
    referenced = set()
    for template in (WEB / "templates").rglob("*.html"):
        referenced |= set(re.findall(r"static\('vendor/([^']+)'\)", template.read_text("utf-8")))
    assert referenced, "base.html should load vendored htmx and Alpine"
    assert referenced <= listed
