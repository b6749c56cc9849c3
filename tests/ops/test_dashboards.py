"""The operator's side: Prometheus alert rules that ``promtool`` accepts and whose unit tests
pass, a scrape config it accepts, and a Grafana dashboard and rules that only name metrics the
app really exposes (a renamed metric would otherwise leave a panel silently empty)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from aicoach.config import Settings
from aicoach.main import create_app
from aicoach.observability.metrics import render_metrics

DEPLOY = Path(__file__).parents[2] / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
DASHBOARD = DEPLOY / "grafana" / "aicoach-dashboard.json"
# Prometheus' own series, not the app's.
NOT_OURS = {"up"}
_NAME = re.compile(r"\b(aicoach_[a-z_]+|process_[a-z_]+|up)\b")
_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def _promtool(*args: str, cwd: Path) -> str:
    promtool = shutil.which("promtool")
    if promtool is None:
        raise RuntimeError("promtool is missing: `apt-get install prometheus` (.ci/run does it)")
    done = subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_alert_rules_are_valid_and_their_unit_tests_pass() -> None:
    assert "SUCCESS: 8 rules found" in _promtool("check", "rules", "alerts.yml", cwd=PROMETHEUS)
    _promtool("test", "rules", "alerts.test.yml", cwd=PROMETHEUS)


def test_the_scrape_config_is_valid(tmp_path: Path) -> None:
    for name in ("prometheus.yml", "alerts.yml"):
        shutil.copy(PROMETHEUS / name, tmp_path / name)
    (tmp_path / "metrics-token").write_text("a token\n")
    _promtool("check", "config", "prometheus.yml", cwd=tmp_path)


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def _referenced(texts: list[str]) -> set[str]:
    return {m for text in texts for m in _NAME.findall(text)} - NOT_OURS


def _family(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


@pytest.mark.parametrize("source", ["dashboard", "alert rules"])
def test_every_metric_named_exists(settings: Settings, source: str) -> None:
    create_app(settings)  # imports every module that defines metrics
    exposed = {
        line.split()[2] for line in render_metrics().decode().splitlines()
        if line.startswith("# TYPE ")
    }  # fmt: skip
    texts = (
        _dashboard_exprs() if source == "dashboard" else [(PROMETHEUS / "alerts.yml").read_text()]
    )
    referenced = _referenced(texts)
    assert len(referenced) >= (15 if source == "dashboard" else 8)
    missing = sorted(n for n in referenced if _family(n) not in exposed and n not in exposed)
    assert not missing, f"{source} names metrics the app does not expose: {missing}"


def test_the_dashboard_has_a_panel_for_each_thing_operators_watch() -> None:
    exprs = " ".join(_dashboard_exprs())
    for watched in (
        "aicoach_http_request_duration_seconds_bucket",  # latency by route
        'status=~"5.."',  # errors
        "aicoach_streams_open",  # SSE / WebSocket connections
        "aicoach_jobs_queue_depth", "aicoach_outbox_oldest_age_seconds",  # queue depth and age
        "aicoach_cache_lookups_total", "aicoach_marketdata_cache_requests_total",  # hit rates
        "aicoach_provider_errors_total", "aicoach_provider_request_duration_seconds_bucket",
        "aicoach_llm_first_token_seconds_bucket", "aicoach_llm_tokens_total",
        "aicoach_llm_cost_usd_total",
    ):  # fmt: skip
        assert watched in exprs, watched
