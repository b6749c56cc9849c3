"""kit/format.js and kit/dates.js, run inside Chromium: one meaning per function, the unit each
expects, the minus sign U+2212 on every negative number, the sign of the value as shown (what
rounds to zero is unsigned) and "—" for anything that is not a finite number. Random values are
checked against Python's own formatting of the same numbers.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

pytestmark = pytest.mark.browser

MINUS = "\u2212"

FIXED = """async () => {
    const f = await import('/static/js/kit/format.js');
    const run = (fn, args) => args.map((a) => (Array.isArray(a) ? fn(...a) : fn(a)));
    return {
        num: run(f.num, [1234.5, -0.5, [3.14159, 3], [-0.004], [-0.006], 0, [1e6, 0]]),
        signedNum: run(f.signedNum, [1.2, -3, 0, -0.001, [7, 0], [-2, 0]]),
        price: run(f.price, [595.123, 0.12345, -0.5, 1234]),
        greek: run(f.greek, [12.34, -1.234, 0.1234, -0.001234]),
        compact: run(f.compact, [999, 1234, 12345678, -4500]),
        money: run(f.money, [1234.5, -12, [1234.5, 0], 0, -0.001]),
        signedMoney: run(f.signedMoney, [3, -12, 0, [560, 0], -0.004]),
        dollars: run(f.dollars, [12.5, 999.994, 1234.5, -440, -1234.5]),
        signedDollars: run(f.signedDollars, [12.5, -1234.5, 0]),
        pct: run(f.pct, [1.234, -0.1, [42.1, 0], [18.25, 1]]),
        signedPct: run(f.signedPct, [1.2, -0.1234, 0, -0.004]),
        pctFromFraction: run(f.pctFromFraction, [0.05, [0.183, 1], [0.42, 0], -0.0125, 1]),
        tone: run(f.tone, [1, -1, 0, 0.004, -0.004, [0.004, 3], null]),
        missing: [f.num(null), f.signedNum(undefined), f.money(NaN), f.signedMoney(Infinity),
                  f.dollars('12'), f.pct(null), f.signedPct(-Infinity), f.pctFromFraction(null),
                  f.price(null), f.greek(null), f.compact(undefined)],
        finite: [f.isFiniteNumber(0), f.isFiniteNumber(-1.5), f.isFiniteNumber(NaN),
                 f.isFiniteNumber('1'), f.isFiniteNumber(null)],
    };
}"""


async def test_each_function_has_one_meaning(js: Any) -> None:
    out = await js.evaluate(FIXED)
    m = MINUS
    assert out["num"] == ["1,234.50", f"{m}0.50", "3.142", "0.00", f"{m}0.01", "0.00", "1,000,000"]
    assert out["signedNum"] == ["+1.20", f"{m}3.00", "0.00", "0.00", "+7", f"{m}2"]
    assert out["price"] == ["595.12", "0.1235", f"{m}0.5000", "1,234.00"]
    assert out["greek"] == ["12.3", f"{m}1.23", "0.123", f"{m}0.0012"]
    assert out["compact"] == ["999", "1.2K", "12.3M", f"{m}4.5K"]
    assert out["money"] == ["$1,234.50", f"{m}$12.00", "$1,235", "$0.00", "$0.00"]
    assert out["signedMoney"] == ["+$3.00", f"{m}$12.00", "$0.00", "+$560", "$0.00"]
    # Cents below $1,000 (999.994 rounds to $999.99, still below), whole dollars from $1,000.
    assert out["dollars"] == ["$12.50", "$999.99", "$1,235", f"{m}$440.00", f"{m}$1,235"]
    assert out["signedDollars"] == ["+$12.50", f"{m}$1,235", "$0.00"]
    # pct: the input is already percent; pctFromFraction: the input is a fraction.
    assert out["pct"] == ["1.23%", f"{m}0.10%", "42%", "18.3%"]
    assert out["signedPct"] == ["+1.20%", f"{m}0.12%", "0.00%", "0.00%"]
    assert out["pctFromFraction"] == ["5.00%", "18.3%", "42%", f"{m}1.25%", "100.00%"]
    assert out["tone"] == ["up", "down", "", "", "", "up", ""]
    assert out["missing"] == ["—"] * 11
    assert out["finite"] == [True, True, False, False, False]


RANDOM = """async (xs) => {
    const f = await import('/static/js/kit/format.js');
    return xs.map((x) => [f.num(x), f.signedNum(x, 3), f.money(x), f.signedMoney(x, 0),
                          f.pct(x, 1), f.signedPct(x), f.pctFromFraction(x / 100, 1), f.tone(x)]);
}"""


def python_reference(x: float) -> list[str]:
    """The same formats built with Python's format spec, then the typographic minus."""

    def signed(text: str, plus: bool) -> str:
        if float(text.replace(",", "").replace("$", "")) == 0:
            return text.replace("-", "")  # what rounds to zero carries no sign
        if text.startswith("-"):
            return MINUS + text[1:]
        return ("+" if plus else "") + text

    def dollars(spec: str) -> str:
        body = format(abs(x), spec)
        return ("-" if x < 0 else "") + "$" + body

    shown = float(f"{x:.2f}")
    return [
        signed(f"{x:,.2f}", plus=False),
        signed(f"{x:,.3f}", plus=True),
        signed(dollars(",.2f"), plus=False),
        signed(dollars(",.0f"), plus=True),
        signed(f"{x:,.1f}", plus=False) + "%",
        signed(f"{x:,.2f}", plus=True) + "%",
        signed(f"{x:,.1f}", plus=False) + "%",
        "up" if shown > 0 else "down" if shown < 0 else "",
    ]


async def test_random_values_match_python_and_never_use_a_hyphen_minus(js: Any) -> None:
    rng = random.Random(20261126)
    xs = [rng.uniform(-1, 1) * 10 ** rng.uniform(-3, 7) for _ in range(400)] + [-0.0, 0.0]
    got = await js.evaluate(RANDOM, xs)
    for x, row in zip(xs, got, strict=True):
        assert row == python_reference(x), x
        assert not any("-" in text for text in row), (x, row)
        if x < 0 and float(f"{x:.2f}") != 0:
            assert row[0].startswith(MINUS), (x, row)


async def test_dates_and_times_are_on_the_new_york_clock(js: Any) -> None:
    out = await js.evaluate(
        """async () => {
            const f = await import('/static/js/kit/format.js');
            const d = await import('/static/js/kit/dates.js');
            const now = new Date('2026-11-26T20:00:00Z');
            return {
                time: [f.timeET('2026-01-15T20:42:07Z'), f.timeET('2026-07-15T19:42:07Z',
                       { seconds: true }), f.timeET(null), f.timeET('not a date')],
                full: f.dateTimeET('2026-01-15T20:42:00Z'),
                short: [f.shortDate('2026-12-18'), f.shortDate('2026-12-18', { weekday: true }),
                        f.shortDate('2027-01-15', { year: true })],
                when: ['2026-11-26T15:00:00Z', '2026-11-25T15:00:00Z', '2026-11-23T15:00:00Z',
                       '2026-10-03T15:00:00Z'].map((v) => f.shortWhen(v, now)),
                groups: ['2026-11-26T15:00:00Z', '2026-11-26T03:00:00Z', '2026-11-20T15:00:00Z',
                         '2026-11-01T15:00:00Z', '2025-01-01T00:00:00Z', null]
                    .map((v) => f.dayGroup(v, now)),
                days: [d.addDays('2026-12-30', 3), d.addDays('2026-03-01', -1),
                       d.daysBetween('2026-11-26', '2026-12-18'),
                       d.toIso(d.isoDate('2026-02-28'))],
                // 03:30 UTC on the 27th is still the 26th in New York.
                ny: ['2026-11-27T03:30:00Z', '2026-11-27T05:30:00Z']
                    .map((v) => d.nyDate(new Date(v))),
            };
        }"""
    )
    assert out["time"] == ["15:42", "15:42:07", "", ""]  # EST is UTC−5, EDT UTC−4
    assert out["full"] == "Thu, Jan 15, 15:42:00 ET"
    assert out["short"] == ["Dec 18", "Fri Dec 18", "Jan 15 '27"]
    assert out["when"] == ["10:00", "Yesterday", "Mon", "Oct 3"]
    assert out["groups"] == [
        "Today", "Yesterday", "Previous 7 days", "Previous 30 days", "Earlier", "Earlier",
    ]  # fmt: skip
    assert out["days"] == ["2027-01-02", "2026-02-28", 22, "2026-02-28"]
    assert out["ny"] == ["2026-11-26", "2026-11-27"]
