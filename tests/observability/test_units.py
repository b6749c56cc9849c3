"""Small pieces: the receiver's encodings, envelopes and DSNs, release names, log formats,
the browser config and the error page."""

from __future__ import annotations

import gzip
import io
import json
import logging
import zlib
from pathlib import Path

import brotli
import httpx
import pytest

from aicoach.observability.browser import browser_sentry_config
from aicoach.observability.envelope import (
    Envelope,
    EnvelopeError,
    EnvelopeItem,
    parse_dsn,
    parse_envelope,
    serialize_envelope,
)
from aicoach.observability.errorpage import ServerErrorInfo, render_error_page
from aicoach.observability.logging import configure_logging
from aicoach.observability.release import git_commit, release_name
from tests.fakes.sentry_receiver import SentryReceiver
from tests.observability.conftest import obs_settings

ENVELOPE = (
    b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"http://k@h/1"}\n'
    b'{"type":"attachment","length":10}\n\xef\xbb\xbfHello\r\n\n'
    b'{"type":"event"}\n{"message":"hello world","level":"error"}\n'
)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("br", brotli.compress),
        ("deflate", zlib.compress),
    ],
)
def test_receiver_accepts_encodings(
    receiver: SentryReceiver, encoding: str, encode: object
) -> None:
    assert callable(encode)
    r = httpx.post(
        f"{receiver.url}/api/3/envelope/",
        content=encode(ENVELOPE),
        headers={"Content-Encoding": encoding},
    )
    assert r.status_code == 200
    assert receiver.events == [{"message": "hello world", "level": "error"}]
    assert receiver.items("attachment") == [b"\xef\xbb\xbfHello\r\n"]
    assert receiver.requests[0].project_id == "3"


def test_receiver_refuses_other_paths_and_garbage(receiver: SentryReceiver) -> None:
    assert httpx.post(f"{receiver.url}/api/x/envelope/", content=ENVELOPE).status_code == 404
    assert httpx.post(f"{receiver.url}/api/1/store/", content=ENVELOPE).status_code == 404
    r = httpx.post(
        f"{receiver.url}/api/1/envelope/", content=b"\x00", headers={"Content-Encoding": "br"}
    )
    assert r.status_code == 400
    assert receiver.requests == [] and len(receiver.rejected) == 3


def test_envelope_round_trip() -> None:
    env = parse_envelope(ENVELOPE)
    assert env.header["dsn"] == "http://k@h/1"
    assert [i.type for i in env.items] == ["attachment", "event"]
    assert env.items[0].payload == b"\xef\xbb\xbfHello\r\n"
    again = parse_envelope(serialize_envelope(env))
    assert [(i.type, i.payload) for i in again.items] == [(i.type, i.payload) for i in env.items]
    built = serialize_envelope(Envelope({"dsn": "x"}, [EnvelopeItem({"type": "event"}, b"{}")]))
    assert built == b'{"dsn":"x"}\n{"type":"event","length":2}\n{}\n'
    with pytest.raises(EnvelopeError):
        parse_envelope(b'{}\n{"type":"event","length":-1}\n')
    with pytest.raises(EnvelopeError):
        parse_envelope(b'{}\n{"length":2}\n{}')


def test_parse_dsn() -> None:
    d = parse_dsn("https://abc@o1.ingest.sentry.io/4507")
    assert (d.host, d.port, d.project_id, d.public_key) == (
        "o1.ingest.sentry.io",
        443,
        "4507",
        "abc",
    )
    assert d.envelope_url == "https://o1.ingest.sentry.io/api/4507/envelope/"
    p = parse_dsn("http://k@Sentry.Local:9000/prefix/7")
    assert p.envelope_url == "http://sentry.local:9000/prefix/api/7/envelope/"
    assert p.same_project(parse_dsn("http://other@sentry.local:9000/prefix/7"))
    assert not p.same_project(parse_dsn("http://k@sentry.local:9000/7"))
    for bad in ("ftp://k@h/1", "https://h/1", "https://k@h/abc", "https://k@h:99999/1", ""):
        with pytest.raises(EnvelopeError):
            parse_dsn(bad)


def test_release_name_from_git_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ("GIT_COMMIT", "SOURCE_COMMIT", "AICOACH_GIT_COMMIT"):
        monkeypatch.delenv(env, raising=False)
    sha = "0123456789abcdef0123456789abcdef01234567"
    git = tmp_path / "repo" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text(sha + "\n")
    inner = tmp_path / "repo" / "src" / "pkg"
    inner.mkdir(parents=True)
    assert git_commit(inner) == sha
    (git / "refs" / "heads" / "main").unlink()
    (git / "packed-refs").write_text(f"# pack-refs\n{sha} refs/heads/main\n")
    assert git_commit(inner) == sha
    (git / "HEAD").write_text(sha[::-1] + "\n")  # detached
    assert git_commit(inner) == sha[::-1]
    monkeypatch.setenv("GIT_COMMIT", "abcdef1234567")
    assert git_commit(inner) == "abcdef1234567"


def test_release_name_setting_wins(tmp_path: Path) -> None:
    assert release_name(obs_settings(tmp_path, sentry_release="r1")) == "r1"
    default = release_name(obs_settings(tmp_path))
    assert default.startswith("aicoach@")


def test_text_and_json_log_formats(tmp_path: Path) -> None:
    log = logging.getLogger("aicoach.test.format")
    stream = io.StringIO()
    configure_logging(obs_settings(tmp_path, log_json=True), stream=stream)
    configure_logging(obs_settings(tmp_path, log_json=True), stream=stream)  # idempotent
    try:
        raise ValueError("bad value")
    except ValueError:
        log.exception("it failed", extra={"symbol": "SPY"})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == "it failed" and record["symbol"] == "SPY"
    assert record["exc_type"] == "ValueError" and "bad value" in record["traceback"]
    text = io.StringIO()
    configure_logging(obs_settings(tmp_path, log_json=False), stream=text)
    log.warning("plain %s", "words", extra={"symbol": "QQQ"})
    assert "WARNING" in text.getvalue() and "plain words" in text.getvalue()
    assert "symbol=QQQ" in text.getvalue()
    assert stream.getvalue().splitlines() == lines  # the old handler is gone


def test_browser_config(tmp_path: Path) -> None:
    assert browser_sentry_config(obs_settings(tmp_path)) is None
    cfg = browser_sentry_config(
        obs_settings(
            tmp_path,
            sentry_browser_dsn="https://pub@o1.ingest.sentry.io/9",
            sentry_environment="prod",
            sentry_release="aicoach@1+x",
            sentry_replay_on_error_sample_rate=0.5,
        )
    )
    assert cfg == {
        "dsn": "https://pub@o1.ingest.sentry.io/9",
        "environment": "prod",
        "release": "aicoach@1+x",
        "tunnel": "/monitoring/tunnel",
        "replaysSessionSampleRate": 0.0,
        "replaysOnErrorSampleRate": 0.5,
    }


def test_error_page_shows_reference_escaped() -> None:
    page = render_error_page(ServerErrorInfo(event_id="e" * 32, request_id="r1"))
    assert "e" * 32 in page and "Quote this if you contact us" in page and "r1" in page
    page = render_error_page(ServerErrorInfo(event_id=None, request_id="<script>"))
    assert "<script>" not in page and "&lt;script&gt;" in page
