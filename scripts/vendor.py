"""Vendor the front-end libraries into ``src/aicoach/web/static/vendor/`` (``make vendor``).

The app has no JS build step: pages load plain files from ``/static/vendor/<lib>/``. This script
refreshes those files from the npm registry at the EXACT versions in ``scripts/vendor.json`` and
writes ``vendor/MANIFEST.json`` (name, version, registry integrity, and every file with its sha256),
which ``tests/web/test_vendor_manifest.py`` checks on every run.

Two kinds of library:

- ``files``: ``npm pack <name>@<version>`` in a temp dir (npm checks the tarball's integrity
  against the registry), then only the listed dist and licence files are read out of the tarball:
  nothing is extracted to disk, so a hostile path in a tarball cannot escape.
- ``bundle`` (Sentry only): since 7.x ``@sentry/browser`` no longer ships the CDN bundles in its npm
  package, so the equivalent of ``bundle.tracing.replay.min.js`` is built here with esbuild (pinned
  in ``tools``) as an IIFE that sets ``window.Sentry``. The packages that end up in the bundle are
  read from esbuild's metafile and their licences are concatenated into ``LICENSE``.

Usage::

    python scripts/vendor.py            # download and rewrite every library + MANIFEST.json
    python scripts/vendor.py --only htmx
    python scripts/vendor.py --check    # offline: files match the manifest, manifest matches spec
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "scripts" / "vendor.json"
VENDOR_DIR = ROOT / "src" / "aicoach" / "web" / "static" / "vendor"
MANIFEST_PATH = VENDOR_DIR / "MANIFEST.json"

# Standard MIT text, used only for packages whose npm tarball ships no licence file (alpinejs);
# the SPDX id and holder come from vendor.json, which must agree with the package's package.json.
MIT_TEXT = """MIT License

Copyright (c) {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

LICENSE_NAMES = ("LICENSE", "LICENCE", "LICENSE.md", "LICENSE.txt", "NOTICE")


class VendorError(Exception):
    """A library could not be vendored as specified (wrong version, missing file, npm failure)."""


@dataclass
class LibResult:
    """One library's output: ``files`` maps dest file name -> (source description, content)."""

    name: str
    version: str
    integrity: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    bundled: dict[str, str] = field(default_factory=dict)


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def run(cmd: list[str], cwd: Path) -> str:
    """Run ``cmd`` in ``cwd``; return stdout, raise VendorError with stderr on failure."""
    # Argument list, no shell: every element comes from vendor.json or this script.
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise VendorError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return proc.stdout


def npm() -> str:
    """Path of the npm client; vendoring cannot work without it."""
    exe = shutil.which("npm")
    if exe is None:
        raise VendorError("npm is not on PATH; install Node.js/npm to run `make vendor`")
    return exe


def npm_pack(package: str, version: str, workdir: Path) -> tuple[Path, str]:
    """``npm pack package@version`` into ``workdir``; return (tarball path, sha512 integrity)."""
    out = run(
        [npm(), "pack", f"{package}@{version}", "--json", "--pack-destination", str(workdir)],
        workdir,
    )
    info = json.loads(out)[0]
    if info["version"] != version:
        raise VendorError(f"npm returned {package}@{info['version']}, wanted exactly {version}")
    return workdir / str(info["filename"]), str(info["integrity"])


def read_member(tgz: Path, name: str) -> bytes:
    """Bytes of ``package/<name>`` inside an npm tarball, without extracting anything to disk."""
    with tarfile.open(tgz, "r:gz") as tf:
        try:
            member = tf.getmember(f"package/{name}")
        except KeyError as exc:
            raise VendorError(f"{tgz.name} has no file {name!r}") from exc
        handle = tf.extractfile(member)
        if handle is None:
            raise VendorError(f"{tgz.name}: {name!r} is not a regular file")
        return handle.read()


def vendor_files(lib: str, spec: dict[str, Any], workdir: Path) -> LibResult:
    """Pack a library and pick out its dist files and licences."""
    package, version = str(spec["package"]), str(spec["version"])
    tgz, integrity = npm_pack(package, version, workdir)
    meta = json.loads(read_member(tgz, "package.json"))
    result = LibResult(package, version, integrity)
    for src, dest in {**spec["files"], **spec.get("licenses", {})}.items():
        result.files[dest] = (src, read_member(tgz, src))
    generated = spec.get("generated_license")
    if generated is not None:
        if meta.get("license") != generated["spdx"]:
            raise VendorError(
                f"{lib}: package.json licence {meta.get('license')!r} != {generated['spdx']!r}"
            )
        if generated["spdx"] != "MIT":
            raise VendorError(f"{lib}: can only generate MIT licence text, not {generated['spdx']}")
        text = MIT_TEXT.format(holder=generated["holder"])
        note = (
            f"{package} {version}: no licence file in the npm package; package.json says MIT.\n\n"
        )
        result.files["LICENSE"] = ("(generated from package.json)", (note + text).encode())
    for extra in spec.get("extra_licenses", []):
        xtgz, _ = npm_pack(extra["package"], extra["version"], workdir)
        result.files[extra["as"]] = (
            f"{extra['package']}@{extra['version']}/{extra['file']}",
            read_member(xtgz, extra["file"]),
        )
    return result


def package_of(path: str) -> str | None:
    """npm package name owning a metafile input path (``node_modules/@a/b/x.js`` -> ``@a/b``)."""
    if "node_modules/" not in path:
        return None
    parts = path.rsplit("node_modules/", 1)[1].split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def license_text(pkg_dir: Path) -> str:
    """Concatenated licence/notice files of an installed package, or its declared SPDX id."""
    texts = [p.read_text(encoding="utf-8") for n in LICENSE_NAMES if (p := pkg_dir / n).is_file()]
    if texts:
        return "\n".join(texts)
    declared = json.loads((pkg_dir / "package.json").read_text(encoding="utf-8")).get(
        "license", "UNKNOWN"
    )
    return f"(no licence file in the package; package.json declares {declared})\n"


def build_bundle(lib: str, spec: dict[str, Any], tools: dict[str, str], workdir: Path) -> LibResult:
    """Install a package at an exact version and bundle it as an IIFE global with esbuild."""
    package, version, bundle = str(spec["package"]), str(spec["version"]), spec["bundle"]
    pins: dict[str, str] = spec.get("pins", {})
    (workdir / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    wanted = {package: version, "esbuild": tools["esbuild"], **pins}
    # --ignore-scripts: nothing from the registry runs at install time; esbuild's JS launcher finds
    # its platform binary (an optional dependency shipped in the registry) without a postinstall.
    install_args = ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--save-exact"]
    run([npm(), *install_args, *(f"{n}@{v}" for n, v in wanted.items())], workdir)
    modules = workdir / "node_modules"
    for name, want in wanted.items():
        got = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))["version"]
        if got != want:
            raise VendorError(f"{lib}: installed {name}@{got}, wanted exactly {want}")
    lock = json.loads((workdir / "package-lock.json").read_text(encoding="utf-8"))
    integrity = str(lock["packages"][f"node_modules/{package}"]["integrity"])
    (workdir / "entry.js").write_text(f"export * from {json.dumps(package)};\n", encoding="utf-8")
    banner = (
        f"/*! {package} {version} | IIFE bundle (window.{bundle['global_name']}) built by "
        f"scripts/vendor.py with esbuild {tools['esbuild']} | licences: LICENSE */"
    )
    esbuild_args = [
        "entry.js",
        "--bundle",
        "--minify",
        "--format=iife",
        f"--global-name={bundle['global_name']}",
        f"--target={bundle['target']}",
        "--platform=browser",
        "--legal-comments=none",
        # Strips the SDK's debug logging, as Sentry's own minified CDN bundles do.
        "--define:__SENTRY_DEBUG__=false",
        f"--banner:js={banner}",
        "--metafile=meta.json",
        "--outfile=out.js",
        "--log-level=warning",
    ]
    run([str(modules / ".bin" / "esbuild"), *esbuild_args], workdir)
    inputs = json.loads((workdir / "meta.json").read_text(encoding="utf-8"))["inputs"]
    bundled_names = sorted({p for path in inputs if (p := package_of(path)) is not None})
    result = LibResult(package, version, integrity)
    result.files[bundle["output"]] = ("(esbuild bundle)", (workdir / "out.js").read_bytes())
    licences: list[str] = []
    for name in bundled_names:
        pkg_dir = modules / name
        pkg_version = json.loads((pkg_dir / "package.json").read_text(encoding="utf-8"))["version"]
        result.bundled[name] = str(pkg_version)
        licences.append(f"===== {name} {pkg_version} =====\n\n{license_text(pkg_dir)}")
    header = f"Licences of the npm packages bundled into {bundle['output']}:\n\n"
    result.files["LICENSE"] = ("(bundled packages)", (header + "\n\n".join(licences)).encode())
    return result


def vendor_lib(lib: str, spec: dict[str, Any], tools: dict[str, str]) -> LibResult:
    """Fetch one library in a fresh temp dir and return its files (nothing written yet)."""
    with tempfile.TemporaryDirectory(prefix=f"vendor-{lib}-") as tmp:
        if "bundle" in spec:
            return build_bundle(lib, spec, tools, Path(tmp))
        return vendor_files(lib, spec, Path(tmp))


def install(lib: str, result: LibResult) -> dict[str, Any]:
    """Replace ``vendor/<lib>/`` with the result's files; return the manifest entry."""
    target = VENDOR_DIR / lib
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = []
    for dest, (source, data) in sorted(result.files.items()):
        (target / dest).write_bytes(data)
        files.append(
            {"path": f"{lib}/{dest}", "source": source, "sha256": sha256(data), "bytes": len(data)}
        )
    entry: dict[str, Any] = {
        "name": result.name,
        "version": result.version,
        "integrity": result.integrity,
        "files": files,
    }
    if result.bundled:
        entry["bundled"] = result.bundled
    return entry


def load_json(path: Path) -> dict[str, Any]:
    """Parse a JSON object file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise VendorError(f"{path} is not a JSON object")
    return data


def check(spec: dict[str, Any]) -> list[str]:
    """Offline consistency check; returns human-readable problems (empty when all is well)."""
    if not MANIFEST_PATH.is_file():
        return [f"{MANIFEST_PATH} is missing: run `make vendor`"]
    manifest = load_json(MANIFEST_PATH)["libs"]
    problems = []
    for lib, lib_spec in spec["libs"].items():
        entry = manifest.get(lib)
        if entry is None:
            problems.append(f"{lib}: not in the manifest")
            continue
        if (entry["name"], entry["version"]) != (lib_spec["package"], lib_spec["version"]):
            problems.append(
                f"{lib}: manifest has {entry['name']}@{entry['version']}, "
                f"vendor.json wants {lib_spec['package']}@{lib_spec['version']}"
            )
        for f in entry["files"]:
            path = VENDOR_DIR / f["path"]
            if not path.is_file():
                problems.append(f"{f['path']}: missing")
            elif sha256(path.read_bytes()) != f["sha256"]:
                problems.append(f"{f['path']}: sha256 differs from the manifest")
    problems += [
        f"{lib}: in the manifest but not in vendor.json"
        for lib in manifest
        if lib not in spec["libs"]
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="verify files against the manifest (offline)"
    )
    parser.add_argument(
        "--only", action="append", metavar="LIB", help="refresh only this library (repeatable)"
    )
    args = parser.parse_args(argv)
    spec = load_json(SPEC_PATH)
    if args.check:
        problems = check(spec)
        for p in problems:
            print(f"vendor: {p}", file=sys.stderr)
        print("vendor: OK" if not problems else f"vendor: {len(problems)} problem(s)")
        return 1 if problems else 0
    libs: dict[str, Any] = spec["libs"]
    selected = args.only or list(libs)
    unknown = [lib for lib in selected if lib not in libs]
    if unknown:
        parser.error(f"unknown lib(s): {', '.join(unknown)}; known: {', '.join(libs)}")
    manifest_libs: dict[str, Any] = (
        load_json(MANIFEST_PATH)["libs"] if MANIFEST_PATH.is_file() else {}
    )
    try:
        # Fetch everything before touching the vendor dir, so a failure leaves it as it was.
        results = {lib: vendor_lib(lib, libs[lib], spec["tools"]) for lib in selected}
    except VendorError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    for lib, result in results.items():
        manifest_libs[lib] = install(lib, result)
        size = sum(len(d) for _, d in result.files.values())
        print(
            f"vendor: {lib:<20} {result.name}@{result.version}  "
            f"{len(result.files)} files, {size / 1024:.0f} KiB"
        )
    for stale in [lib for lib in manifest_libs if lib not in libs]:
        shutil.rmtree(VENDOR_DIR / stale, ignore_errors=True)
        del manifest_libs[stale]
    manifest = {
        "$comment": "Written by scripts/vendor.py from scripts/vendor.json; do not edit by hand.",
        "libs": dict(sorted(manifest_libs.items())),
    }
    MANIFEST_PATH.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
