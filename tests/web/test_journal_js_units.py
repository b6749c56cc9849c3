"""The Journal tab's pure JS helpers, run inside Chromium against the static files: filters and
their query strings, date presets, New York wall time, API money and unavailable values, the
plot data made from a real analytics payload (``journal.analytics.dashboard`` on a seeded random
journal), chart markers, form errors, the import preview's rows, the headline numbers, the
manual entry body and the cards' SVG — each checked against values computed here independently.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from aicoach.journal.analytics.curves import R_EDGES
from aicoach.journal.analytics.dashboard import dashboard
from tests.journal.journals import random_journal

pytestmark = pytest.mark.browser

NY = ZoneInfo("America/New_York")
MINUS = "\u2212"


async def call(js: Any, module: str, expr: str, arg: Any = None) -> Any:
    """Evaluate ``expr`` (a function body using ``m``, the module, and ``arg``) in the page."""
    return await js.evaluate(
        f"""async (arg) => {{
            const m = await import('/static/js/journal/{module}');
            {expr}
        }}""",
        arg,
    )


async def apply(js: Any, module: str, fn: str, calls: list[list[Any]]) -> list[Any]:
    """``m[fn](...args)`` for each ``args`` of ``calls``, in the page."""
    return await call(js, module, f"return arg.map((a) => m.{fn}(...a));", calls)  # type: ignore[no-any-return]


def payload(n: int = 300, seed: int = 3) -> dict[str, Any]:
    a = random_journal(n, seed)
    closed = int(a.closed.sum())
    return {
        "filters": {},
        "trades": {"total": a.n, "closed": closed, "open": a.n - closed},
        **dashboard(a).to_dict(),
    }


# ---------------------------------------------------------------- numbers and filters


async def test_money_and_values(js: Any) -> None:
    amounts = await call(
        js, "model.js",
        """return ["142.50", " -3.1 ", "\u22122.00", 7, "", "abc", null, undefined, NaN,
                   Infinity].map(m.amount);""",
    )  # fmt: skip
    assert amounts == [142.5, -3.1, -2.0, 7, None, None, None, None, None, None]
    values = [{"value": 0.5, "reason": None}, {"value": None, "reason": "no losing trades"}, 3,
              None, {"value": "12.5"}]  # fmt: skip
    assert await apply(js, "model.js", "statValue", [[v] for v in values]) == [
        {"value": 0.5, "reason": None},
        {"value": None, "reason": "no losing trades"},
        {"value": 3, "reason": None},
        {"value": None, "reason": "not available"},
        {"value": 12.5, "reason": None},
    ]


async def test_filters_clean_and_query(js: Any) -> None:
    messy = {"symbol": " spy ", "status": "weird", "side": "credit", "from": "2024-03-01T10:00Z",
             "to": "not a date", "account": "7", "direction": "debit", "tag": "",
             "strategy": "iron_condor", "junk": "x"}  # fmt: skip
    aliases = {"date_from": "2024-01-01", "end": "2024-01-31", "account_id": "abc"}
    clean = await apply(js, "model.js", "cleanFilters", [[messy], [aliases]])
    query = await apply(js, "model.js", "filterQuery", [[
        {"to": "2024-03-31", "symbol": "qqq", "from": "2024-03-01"},
        {"sort": "net", "order": "asc", "offset": 0, "limit": None},
    ]])  # fmt: skip
    same = await apply(js, "model.js", "sameFilters", [
        [{"symbol": "spy"}, {"symbol": "SPY", "junk": 1}], [{"symbol": "spy"}, {"symbol": "QQQ"}],
    ])  # fmt: skip
    got = {"clean": clean[0], "aliases": clean[1], "query": query[0], "same": same[0],
           "differ": same[1]}  # fmt: skip
    # "side" given twice (side, direction): the later key wins, as in an object spread.
    assert got["clean"] == {"symbol": "SPY", "side": "debit", "from": "2024-03-01",
                            "account_id": "7", "strategy": "iron_condor"}  # fmt: skip
    assert got["aliases"] == {"from": "2024-01-01", "to": "2024-01-31"}
    assert got["query"] == "symbol=QQQ&from=2024-03-01&to=2024-03-31&sort=net&order=asc&offset=0"
    assert got["same"] is True and got["differ"] is False


@pytest.mark.parametrize("today", ["2026-03-15", "2026-01-10", "2024-02-29", "2026-12-31"])
async def test_date_presets(js: Any, today: str) -> None:
    got = await call(
        js, "model.js",
        """const names = m.PRESETS.map(([n]) => n);
        return Object.fromEntries(names.map((n) => {
            const r = m.presetRange(n, arg);
            return [n, [r.from, r.to, m.matchPreset(r.from, r.to, arg)]];
        }));""",
        today,
    )  # fmt: skip
    d = date.fromisoformat(today)
    first = d.replace(day=1)
    last_end = first - timedelta(days=1)
    iso = date.isoformat
    expected = {
        "all": ["", ""],
        "month": [iso(first), today],
        "last_month": [iso(last_end.replace(day=1)), iso(last_end)],
        "30d": [iso(d - timedelta(days=29)), today],
        "90d": [iso(d - timedelta(days=89)), today],
        "ytd": [iso(d.replace(month=1, day=1)), today],
    }
    for name, (frm, to) in expected.items():
        assert got[name][:2] == [frm, to], name
    # Each preset reads back as itself (two may coincide: then the first of them).
    names = list(expected)
    for name, (frm, to) in expected.items():
        first_match = next(n for n in names if expected[n] == [frm, to])
        assert got[name][2] == first_match, name


async def test_new_york_wall_time(js: Any) -> None:
    rng = random.Random(11)
    locals_ = ["2024-01-05T09:30", "2024-07-01T09:30", "2024-03-10T12:00", "2024-11-03T12:00",
               "2023-12-31T23:59"]  # fmt: skip
    for _ in range(40):
        t = datetime(2020, 1, 1) + timedelta(minutes=rng.randrange(0, 6 * 365 * 24 * 60))
        if t.replace(tzinfo=NY).utcoffset() == t.replace(tzinfo=NY, fold=1).utcoffset():
            locals_.append(t.strftime("%Y-%m-%dT%H:%M"))  # skip the DST gap and overlap hours
    got = await call(
        js, "model.js",
        """return arg.map((l) => {
            const utc = m.nyLocalToUtcIso(l);
            return [utc, m.utcToNyLocal(utc), m.toWallSeconds(Date.parse(utc) / 1000)];
        }).concat([[m.nyLocalToUtcIso("garbage"), m.utcToNyLocal("x"), null]]);""",
        locals_,
    )  # fmt: skip
    for local, (utc, back, wall) in zip(locals_, got, strict=False):
        at = datetime.fromisoformat(local).replace(tzinfo=NY)
        assert utc == at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), local
        assert back == local
        assert wall == int(datetime.fromisoformat(local).replace(tzinfo=UTC).timestamp())
    assert got[-1] == [None, "", None]


# ---------------------------------------------------------------- plot data from a real payload


async def test_plot_data_from_a_dashboard_payload(js: Any) -> None:
    p = payload()
    got = await call(
        js, "model.js",
        """return {
            eq: m.equitySeries(arg.equity),
            cal: m.calendarData(arg.daily),
            heat: m.heatmapCells(arg.heatmap),
            bins: m.histogramBins(arg.r_histogram),
            sym: m.breakdownRows("symbol", arg.breakdowns.symbol),
            dte: m.breakdownRows("dte", arg.breakdowns.dte),
            empty: m.equitySeries({closed_s: [], equity: []}),
        };""",
        p,
    )  # fmt: skip
    # Equity: from 0 just before the first close, then each trade; drawdown under the peak.
    t, eq = p["equity"]["closed_s"], p["equity"]["equity"]
    assert got["eq"]["equity"][0][1] == 0 and got["eq"]["equity"][0][0] < t[0] * 1000
    assert [x for x, _ in got["eq"]["equity"][1:]] == pytest.approx([s * 1000 for s in t])
    assert [y for _, y in got["eq"]["equity"][1:]] == pytest.approx(eq)
    peak = np.maximum.accumulate(np.maximum(np.asarray(eq), 0.0))
    dd = [y for _, y in got["eq"]["drawdown"][1:]]
    assert dd == pytest.approx((np.asarray(eq) - peak).tolist())
    assert -min(dd) == pytest.approx(p["drawdown"]["max_drawdown"]["value"])
    assert got["empty"] == {"equity": [], "drawdown": []}

    # Calendar: New York dates, the last 12 months (whole months) at most.
    days = p["daily"]["day"]
    iso = [(date(1970, 1, 1) + timedelta(days=d)).isoformat() for d in days]
    last = date.fromisoformat(iso[-1])
    y, mth = last.year, last.month - 11  # the 12 months ending with the last one
    while mth <= 0:
        y, mth = y - 1, mth + 12
    floor = date(y, mth, 1)
    start = max(floor, date.fromisoformat(iso[0]).replace(day=1))
    next_month = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    assert got["cal"]["range"] == [start.isoformat(), (next_month - timedelta(days=1)).isoformat()]
    kept = [(d, pnl, n) for d, pnl, n in zip(iso, p["daily"]["pnl"], p["daily"]["n"], strict=True)
            if d >= start.isoformat()]  # fmt: skip
    assert [c[0] for c in got["cal"]["cells"]] == [k[0] for k in kept]
    assert [c[1] for c in got["cal"]["cells"]] == pytest.approx([k[1] for k in kept])
    assert got["cal"]["max"] == pytest.approx(max(abs(k[1]) for k in kept))

    # Heatmap: hours with trades (at least 9–15), weekdays Mon–Fri plus any weekend day used.
    n = np.asarray(p["heatmap"]["n"])
    hours = sorted({h for d in range(7) for h in range(24) if n[d, h]} | set(range(9, 16)))
    hours = list(range(hours[0], hours[-1] + 1))
    wdays = sorted({0, 1, 2, 3, 4} | {d for d in range(7) if n[d].sum()})
    assert got["heat"]["hours"] == [f"{h:02d}:00" for h in hours]
    assert got["heat"]["days"] == [
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d] for d in wdays
    ]
    cells = {(c[0], c[1]): c for c in got["heat"]["cells"]}
    assert len(cells) == len(hours) * len(wdays)
    for row, d in enumerate(wdays):
        for col, h in enumerate(hours):
            c = cells[(col, row)]
            assert c[3] == n[d, h] and c[4] == p["heatmap"]["wins"][d][h]
            if n[d, h]:
                assert c[2] == pytest.approx(p["heatmap"]["net_pnl"][d][h])
            else:
                assert c[2] is None

    # R histogram: one bin per edge pair, labels from the edges, signs by side of 0.
    edges = list(R_EDGES)
    assert len(got["bins"]) == len(edges) - 1
    assert [b["count"] for b in got["bins"]] == p["r_histogram"]["counts"]
    assert got["bins"][0]["label"] == f"< {MINUS}3R" and got["bins"][-1]["label"] == "≥ 3R"
    assert got["bins"][5]["label"] == f"{MINUS}0.5R to 0R"
    for b, lo, hi in zip(got["bins"], edges, edges[1:], strict=False):
        assert b["sign"] == (-1 if hi <= 0 else 1 if lo >= 0 else 0)

    # Breakdowns: symbols best first, DTE buckets in their own order, unknown last.
    sym = list(p["breakdowns"]["symbol"])
    want = sorted((g for g in sym if g["key"] != "unknown"), key=lambda g: (-g["net_pnl"], -g["n"]))
    assert [r["key"] for r in got["sym"]["rows"]] == [g["key"] for g in want]
    dte = [g["key"] for g in p["breakdowns"]["dte"] if g["key"] != "unknown"]
    assert [r["key"] for r in got["dte"]["rows"]] == [*dte, "unknown"]
    assert got["dte"]["rows"][-1]["label"] == "Unknown"


async def test_breakdown_groups_beyond_twelve_are_summed(js: Any) -> None:
    def group(key: str, n: int, net: float, rate: float | None) -> dict[str, Any]:
        v = {"value": rate, "reason": None if rate is not None else "x"}
        return {"key": key, "n": n, "net_pnl": net, "win_rate": v, "expectancy": v}

    groups = [group(f"S{i}", i + 1, 10.0 * (i - 7), 0.5) for i in range(15)]
    groups.append(group("unknown", 3, -5.0, None))
    got = await call(js, "model.js", "return m.breakdownRows('symbol', arg);", groups)
    rows = got["rows"]
    assert len(rows) == 13 and got["known"] is True
    ranked = sorted(groups[:15], key=lambda g: -g["net_pnl"])
    assert [r["key"] for r in rows[:11]] == [g["key"] for g in ranked[:11]]
    rest = ranked[11:]
    assert rows[11]["label"] == f"Other ({len(rest)})"
    assert rows[11]["n"] == sum(g["n"] for g in rest)
    assert rows[11]["net"] == pytest.approx(sum(g["net_pnl"] for g in rest))
    assert rows[12]["key"] == "unknown" and rows[12]["winRate"] is None
    only_unknown = await call(js, "model.js", "return m.breakdownRows('level', arg);", groups[-1:])
    assert only_unknown["known"] is False


async def test_plot_options_build_from_the_payload(js: Any) -> None:
    p = payload(120, seed=5)
    got = await call(
        js, "plots.js",
        """const model = await import('/static/js/journal/model.js');
        const pal = { text: "#ddd", strong: "#fff", muted: "#999", faint: "#666", border: "#333",
            surface: "#111", surface2: "#181818", surface3: "#222", up: "#0a0", down: "#a00",
            font: "sans-serif" };
        const eq = m.equityOption(model.equitySeries(arg.equity), pal);
        const cal = m.calendarOption(model.calendarData(arg.daily), pal);
        const heat = m.heatmapOption(model.heatmapCells(arg.heatmap), pal);
        const hist = m.histogramOption(model.histogramBins(arg.r_histogram), pal);
        const rows = model.breakdownRows("strategy", arg.breakdowns.strategy).rows;
        const bd = m.breakdownOption(rows, pal);
        const json = JSON.stringify([eq, cal, heat, hist, bd]);
        return {
            eqSeries: eq.series.map((s) => [s.name, s.data.length, s.xAxisIndex]),
            calRange: cal.calendar.range, calCells: cal.series[0].data.length,
            heatCells: heat.series[0].data.length,
            histCounts: hist.series[0].data.map((d) => d.value),
            bdValues: bd.series[0].data.map((d) => d.value),
            bdLabels: bd.yAxis.data, height: m.breakdownHeight(rows.length),
            nan: json.includes("NaN") || json.includes("null,null"),
            axis: [1234, -350, 2.5, 0, -0.001, 12.345, 1_250_000].map(m.axisMoney),
        };""",
        p,
    )  # fmt: skip
    n_eq = len(p["equity"]["equity"]) + 1
    assert got["eqSeries"] == [["Equity", n_eq, 0], ["Drawdown", n_eq, 1]]
    assert got["histCounts"] == p["r_histogram"]["counts"]
    strategies = sorted(
        (g for g in p["breakdowns"]["strategy"]), key=lambda g: (-g["net_pnl"], -g["n"])
    )
    assert got["bdValues"] == pytest.approx([g["net_pnl"] for g in strategies])
    assert got["bdLabels"][0].endswith(f"({strategies[0]['n']})")
    assert got["height"] == len(strategies) * 24 + 12
    assert not got["nan"]
    assert got["axis"] == ["$1.2K", f"{MINUS}$350", "$2.50", "$0", "$0", "$12", "$1.3M"]


# ---------------------------------------------------------------- trades


async def test_trade_markers_snap_to_bars(js: Any) -> None:
    base = int(datetime(2024, 3, 4, 14, 30, tzinfo=UTC).timestamp())
    bars = [base + 300 * i for i in range(40)]  # 5-minute bars

    def fill(at: str, effect: str, kind: str = "trade") -> dict[str, str]:
        return {"executed_at": f"2024-03-04T{at}Z", "effect": effect, "kind": kind}

    def leg(strike: str, qty: str, fills: list[dict[str, str]]) -> dict[str, Any]:
        return {"symbol": "SPY", "kind": "put", "strike": strike, "right": "put",
                "opened_quantity": qty, "expiration": "2024-03-15", "fills": fills}  # fmt: skip

    legs = [
        leg("500", "-2", [fill("14:31:10", "open"), fill("15:02:00", "close"),
                          fill("20:00:00", "close", "expiration")]),
        leg("495", "2", [fill("14:33:59", "open"), fill("13:00:00", "open")]),
    ]  # fmt: skip
    daily_bars = [int(datetime(2024, 3, d, tzinfo=UTC).timestamp()) for d in (1, 4, 5, 6, 7, 8)]
    got = await call(
        js, "model.js",
        """const [legs, bars, daily] = arg;
        const brief = (x) => [x.time, x.kind, x.text, x.fills.length];
        return {
            intraday: m.tradeMarkers(legs, bars).map(brief),
            daily: m.tradeMarkers(legs, daily, { daily: true }).map(brief),
            strikes: m.strikeLines(legs),
            index: [bars[0] - 1, bars[3], bars[3] + 299, 1e12].map((s) => m.barIndexAt(bars, s)),
        };""",
        [legs, bars, daily_bars],
    )  # fmt: skip
    # The 13:00 fill is before the first bar: not drawn. 14:31 and 14:33 → the 14:30 bar (one
    # entry marker); 15:02 → the 15:00 bar; 20:00 (an expiration) → the last bar at or before it.
    last_before = max(b for b in bars if b <= base + 5.5 * 3600)
    assert got["intraday"] == [
        [base, "entry", "Entry", 2],
        [base + 1800, "exit", "Exit", 1],
        [last_before, "exit", "Expired", 1],
    ]  # fmt: skip
    mar4 = int(datetime(2024, 3, 4, tzinfo=UTC).timestamp())
    assert got["daily"] == [[mar4, "entry", "Entry", 3], [mar4, "exit", "Expired", 2]]
    assert got["strikes"] == [{"price": 495, "title": "+495P", "side": "long"},
                              {"price": 500, "title": "−500P", "side": "short"}]  # fmt: skip
    assert got["index"] == [-1, 3, 3, 39]


async def test_labels_prices_windows_and_pages(js: Any) -> None:
    now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    occ = ["SPY   240315P00500000", "AAPL  240322C00172500", "KO", "./ESH4 EW2H4 240315C5100",
           "BRK.B 250117C00450000"]  # fmt: skip
    prices = ["0.70", "1.9500", "0.0125", 2.05, "3", "", "12.123456789"]
    put = {"symbol": "SPY", "kind": "put", "right": "put", "strike": "500",
           "expiration": "2024-03-15"}  # fmt: skip
    ko = {"symbol": "KO", "kind": "stock"}
    ms = now.timestamp() * 1000
    windows = await apply(js, "model.js", "barWindow", [
        ["2026-12-01T14:30:00Z", "2026-12-01T16:00:00Z", ms],
        ["2026-11-20T14:30:00Z", "2026-11-23T16:00:00Z", ms],
        ["2026-09-01T14:30:00Z", "2026-11-02T16:00:00Z", ms],
        ["2026-11-01T14:30:00Z", None, ms],
        ["2026-12-01T14:30:00Z", "2026-12-01T16:00:00Z", ms, "1d"],
    ])  # fmt: skip
    progress = [{"done": 5, "total": 20}, {"done": 20, "total": 20}, {"done": 1, "total": 0}, None,
                {"done": 30, "total": 20}]  # fmt: skip
    got = {
        "occ": await apply(js, "model.js", "occLabel", [[o] for o in occ]),
        "price": await apply(js, "model.js", "priceText", [[x] for x in prices]),
        "legs": await apply(js, "model.js", "legLabel", [[put], [ko]]),
        "short": windows[0], "mid": windows[1], "long": windows[2], "open": windows[3],
        "forced": windows[4]["timeframe"],
        "pages": await apply(js, "model.js", "pageLabel",
                             [[0, 0, 50], [143, 0, 50], [143, 100, 50], [1234, 50, 50]]),
        "progress": await apply(js, "model.js", "progressPercent", [[x] for x in progress]),
        "humanize": await apply(js, "model.js", "humanize",
                                [["iron_condor"], [""], ["short premium"]]),
    }  # fmt: skip
    assert got["occ"] == ["SPY 500P Mar 15 '24", "AAPL 172.5C Mar 22 '24", "KO",
                          "./ESH4 EW2H4 240315C5100", "BRK.B 450C Jan 17 '25"]  # fmt: skip
    assert got["price"] == ["0.70", "1.95", "0.0125", "2.05", "3.00", "—", "12.123457"]
    assert got["legs"] == ["SPY 500P Mar 15 '24", "KO"]

    def window(w: dict[str, str]) -> tuple[str, datetime, datetime]:
        return (
            w["timeframe"],
            datetime.fromisoformat(w["start"]),
            datetime.fromisoformat(w["end"]),
        )

    tf, start, end = window(got["short"])
    assert tf == "5m" and start == datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    assert end == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    tf, start, end = window(got["mid"])
    assert tf == "30m" and start == datetime(2026, 11, 16, 14, 30, tzinfo=UTC)
    assert end == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    tf, start, end = window(got["long"])
    held = datetime(2026, 11, 2, 16, tzinfo=UTC) - datetime(2026, 9, 1, 14, 30, tzinfo=UTC)
    assert tf == "1d" and start == datetime(2026, 9, 1, 14, 30, tzinfo=UTC) - max(
        timedelta(days=45), held * 0.5
    )
    assert end == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 20 days after the close
    assert datetime.fromisoformat(got["open"]["end"]) == now  # open: up to now, never past it
    assert got["open"]["timeframe"] == "1d" and got["forced"] == "1d"
    assert got["pages"] == ["No trades", "1–50 of 143", "101–143 of 143", "51–100 of 1,234"]
    assert got["progress"] == [25, 100, None, None, 100]
    assert got["humanize"] == ["Iron condor", "", "Short premium"]


async def test_form_errors_tags_and_preview_rows(js: Any) -> None:
    details = [
        {"field": "legs.1.strike", "message": "Leg 2 strike must be more than 0."},
        {"field": "body.account_id", "message": "Account id is required."},
        {"field": "legs.0", "message": "Leg 1: an option leg needs a strike and an expiration."},
        {"loc": ["legs", 2, "price"], "msg": "bad price"},
    ]
    errors = await apply(js, "model.js", "formErrors", [
        [{"message": "x", "details": details}],
        [{"message": "legs[3].price: must be 0 or more"}],
        [{"message": "Something broke"}],
    ])  # fmt: skip
    tags = [{"name": " A ", "kind": "setup"}, {"name": "a", "kind": "mistake"}, "plan",
            {"name": "", "kind": "x"}, {"name": "b", "kind": "odd"}]  # fmt: skip
    preview = {
        "executions": [{"row": 5, "duplicate": False}, {"row": 2, "duplicate": True}],
        "errors": [
            {"row": 3, "reason": "bad", "raw": "x,y"},
            {"row": 5, "reason": "r", "raw": "z"},
        ],
    }
    got = {
        "details": errors[0], "prefixed": errors[1], "plain": errors[2],
        "tags": (await apply(js, "model.js", "parseTags",
                             [["setup: breakout, mistake:FOMO, earnings, Earnings, , custom:x"]],
                             ))[0],
        "normal": (await apply(js, "model.js", "normalTags", [[tags]]))[0],
        "rows": (await apply(js, "model.js", "previewRows", [[preview]]))[0],
    }  # fmt: skip
    assert got["details"] == {
        "fields": {"account_id": "Account id is required."},
        "legs": {"1": {"strike": "Leg 2 strike must be more than 0."}, "2": {"price": "bad price"}},
        "other": ["Leg 1: an option leg needs a strike and an expiration."],
    }
    assert got["prefixed"] == {
        "fields": {},
        "legs": {"3": {"price": "must be 0 or more"}},
        "other": [],
    }
    assert got["plain"] == {"fields": {}, "legs": {}, "other": ["Something broke"]}
    assert got["tags"] == [
        {"name": "breakout", "kind": "setup"}, {"name": "FOMO", "kind": "mistake"},
        {"name": "earnings", "kind": "custom"}, {"name": "x", "kind": "custom"},
    ]  # fmt: skip
    assert got["normal"] == [{"name": "A", "kind": "setup"}, {"name": "plan", "kind": "custom"},
                             {"name": "b", "kind": "custom"}]  # fmt: skip
    assert [(r["row"], r["kind"]) for r in got["rows"]] == [
        (2, "duplicate"), (3, "error"), (5, "ok"), (5, "error"),
    ]  # fmt: skip


# ---------------------------------------------------------------- widgets' pure parts


async def test_headline_numbers_from_a_payload(js: Any) -> None:
    p = payload(200, seed=9)
    s = p["summary"]
    got = await call(js, "dashboard.js", "return m.headline(arg);", p)
    assert "NaN" not in str(got)

    def money(x: float) -> str:
        text = f"${abs(x):,.0f}" if abs(x) >= 1000 else f"${abs(x):,.2f}"
        return (MINUS if x < 0 else "+" if x > 0 else "") + text

    assert got["net"]["text"] == money(s["net_pnl"])
    assert got["net"]["tone"] == ("up" if s["net_pnl"] > 0 else "down")
    assert got["net"]["sub"].startswith(f"{s['n']} closed trades")
    assert f"{p['trades']['open']} open trades not counted" in got["net"]["sub"]
    assert got["win_rate"]["text"] == f"{s['win_rate']['value'] * 100:.1f}%"
    assert got["win_rate"]["sub"].startswith(f"{s['wins']} won · {s['losses']} lost")
    assert got["profit_factor"]["text"] == f"{s['profit_factor']['value']:.2f}"
    assert got["expectancy"]["text"] == money(s["expectancy"]["value"])
    assert got["avg"]["pair"][0]["text"] == money(s["average_win"]["value"])
    assert got["avg"]["pair"][1]["text"] == money(s["average_loss"]["value"])
    mdd = p["drawdown"]["max_drawdown"]["value"]
    assert got["drawdown"]["text"] == money(-mdd) and got["drawdown"]["tone"] == "down"
    sharpe = p["risk"]["sharpe"]["value"]
    assert got["ratios"]["pair"][0]["text"] == (
        f"{sharpe:.2f}" if sharpe >= 0 else f"{MINUS}{-sharpe:.2f}"
    )

    # No losing trade: the profit factor and payoff say why instead of a number.
    def v(x: float | None, why: str = "no losing trades") -> dict[str, Any]:
        return {"value": x, "reason": None if x is not None else why}

    winners = {
        "summary": {
            "n": 2, "wins": 2, "losses": 0, "scratches": 0, "net_pnl": 50.0,
            "gross_profit": 50.0, "gross_loss": 0.0, "win_rate": v(1.0),
            "profit_factor": v(None), "expectancy": v(25.0),
            "expectancy_r": v(None, "no trade has a planned risk"),
            "average_win": v(25.0), "average_loss": v(None), "payoff_ratio": v(None),
            "largest_win": v(30.0), "largest_loss": v(None),
        },
        "trades": {"total": 2, "closed": 2, "open": 0},
        "drawdown": {"max_drawdown": v(0.0), "peak_s": None, "trough_s": None},
        "risk": {"sharpe": v(None, "fewer than 2 days"), "sortino": v(None, "fewer than 2 days"),
                 "days": 1},
    }  # fmt: skip
    got = await call(js, "dashboard.js", "return m.headline(arg);", winners)
    assert got["profit_factor"] == {
        "text": "—",
        "tone": "",
        "sub": "No losing trades",
        "missing": True,
    }
    assert got["payoff"]["missing"] and got["payoff"]["sub"] == "No losing trades"
    assert got["avg"]["pair"][1]["text"] == "—" and got["avg"]["sub"] == "No losing trades"
    assert got["drawdown"]["text"] == "$0.00" and got["drawdown"]["sub"] == "never below a peak"
    assert got["ratios"]["missing"] and got["ratios"]["sub"] == "Fewer than 2 days"
    assert got["expectancy"]["sub"] == "per trade"
    empty = await call(
        js, "dashboard.js", "return m.headline({summary: {n: 0}, trades: {open: 2}});"
    )
    assert empty["net"]["missing"] and "2 open trades" in empty["net"]["sub"]


async def test_manual_entry_body(js: Any) -> None:
    def row(side: str, qty: str, kind: str, strike: str, price: str, close: str, fees: str,
            exp: str = "2024-03-15") -> dict[str, str]:  # fmt: skip
        return {"side": side, "quantity": qty, "kind": kind, "strike": strike, "expiration": exp,
                "price": price, "close_price": close, "fees": fees}  # fmt: skip

    spread_form = {"accountId": "4", "symbol": " spy ", "openedLocal": "2024-03-04T10:15",
                   "closedLocal": "2024-03-08T15:20",
                   "legs": [row("-1", "2", "put", "500", "3.10", "1.50", "1.30"),
                            row("1", "2", "put", "495", "1.95", "0.70", "")]}  # fmt: skip
    stock_form = {"accountId": "4", "symbol": "ko", "openedLocal": "2024-07-01T09:31",
                  "closedLocal": "",
                  "legs": [row("1", "100", "stock", "9", "60", "", "", "2024-01-01")]}  # fmt: skip
    spread, stock = await apply(js, "entry-form.js", "manualBody", [[spread_form], [stock_form]])
    opened, closed = "2024-03-04T15:15:00Z", "2024-03-08T20:20:00Z"
    assert spread == {"account_id": 4, "legs": [
        {"symbol": "SPY", "kind": "put", "quantity": "-2", "price": "3.10", "opened_at": opened,
         "strike": "500", "expiration": "2024-03-15", "closed_at": closed, "close_price": "1.50",
         "fees": "1.30"},
        {"symbol": "SPY", "kind": "put", "quantity": "2", "price": "1.95", "opened_at": opened,
         "strike": "495", "expiration": "2024-03-15", "closed_at": closed, "close_price": "0.70"},
    ]}  # fmt: skip
    assert stock == {"account_id": 4, "legs": [
        {"symbol": "KO", "kind": "stock", "quantity": "100", "price": "60",
         "opened_at": "2024-07-01T13:31:00Z"},
    ]}  # fmt: skip


async def test_detail_helpers(js: Any) -> None:
    now = datetime(2024, 3, 10, 12, tzinfo=UTC).timestamp() * 1000
    opened = "2024-03-04T14:30:00Z"
    spans = [[opened, "2024-03-04T15:15:00Z"], [opened, "2024-03-04T18:00:00Z"],
             [opened, "2024-03-07T16:30:00Z"], ["2024-03-08T12:00:00Z", None], ["x", None],
             [opened, "2024-03-04T14:00:00Z"]]  # fmt: skip
    held = await apply(js, "detail.js", "heldFor", [[a, b, now] for a, b in spans])
    assert held == ["45 min", "3 h 30 min", "3 d 2 h", "2 d", "", ""]
    shown = [(True, 2, 0), (False, 2, 2), (False, 3, 1), (False, 0, 0)]
    notes = await apply(js, "detail.js", "chartNote", [
        [{"spot": a, "strikes": b, "strikesAway": c}] for a, b, c in shown
    ])  # fmt: skip
    marks = "▲ entries, ▼ exits"
    strikes = "dotted: strikes (red short, blue long)"
    away = "far from these bars, off the chart."
    assert notes == [
        f"{marks}; dashed: the underlying at entry; {strikes}.",
        f"{marks}. The strikes are {away}",
        f"{marks}; {strikes}. 1 strike is {away}",
        f"{marks}.",
    ]


async def test_equity_card_svg(js: Any) -> None:
    rng = random.Random(4)
    equity = [round(sum(rng.uniform(-80, 120) for _ in range(i + 1)), 2) for i in range(25)]
    points = [{"t": f"2024-03-{1 + i:02d}T20:00:00Z", "equity": e} for i, e in enumerate(equity)]
    got = await call(
        js, "cards/equity_curve.js",
        """const svg = m.curveSvg(arg).text;
        const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
        const points = doc.querySelector("polyline").getAttribute("points").split(" ");
        const line = points.map((p) => p.split(",").map(Number));
        const zero = Number(doc.querySelector("line").getAttribute("y1"));
        const cls = doc.querySelector("svg").getAttribute("class");
        return { line, zero, cls, none: m.curveSvg([]) };""",
        points,
    )  # fmt: skip
    ys = [0.0, *equity]
    lo, hi = min(0.0, *ys), max(0.0, *ys)
    h = 84

    def y(v: float) -> float:
        return h - 2 - (v - lo) / (hi - lo) * (h - 4)

    assert len(got["line"]) == len(ys)
    assert [p[1] for p in got["line"]] == pytest.approx([round(y(v), 1) for v in ys], abs=0.051)
    assert got["zero"] == pytest.approx(round(y(0), 1), abs=0.051)
    assert got["cls"] == ("spark spark-up" if equity[-1] >= 0 else "spark spark-down")
    assert got["none"] == ""
    assert all(math.isfinite(x) for p in got["line"] for x in p)
