"""``hot-partner``: every transaction at one partner vs spread over 100 partners.

One scratch database serves both mixes: 100 partners, members enrolled round-robin by them,
and every member also shown to partner 0 (the hot one). The ledger mix runs in-process first
(the gateway idles meanwhile), then the gateway mix over HTTP. Each mix runs four legs,
spread / one / one / spread, so that neither side gains from running on a fresher database;
the figure is the lower of the two one/many ratios.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.gateway_server import Gateway, serving
from bench.ledger_load import run_mix
from bench.results import Goal, Measurement
from bench.run import Run, run_async
from bench.scenarios import Scenario
from bench.scenarios.gateway import drive_mix
from exchange.kit.settings import get_settings

HOT = 0
LEGS = ("many", "one", "one", "many")


class Tally:
    """Work done and time taken, per side (``one`` or ``many``), over the legs."""

    def __init__(self) -> None:
        self.done = {"one": 0, "many": 0}
        self.seconds = {"one": 0.0, "many": 0.0}
        self.problems: list[str] = []

    def add(self, side: str, done: int, seconds: float, problems: list[str]) -> None:
        self.done[side] += done
        self.seconds[side] += seconds
        self.problems.extend(f"{side}: {problem}" for problem in problems)

    def rate(self, side: str) -> float:
        return self.done[side] / self.seconds[side] if self.seconds[side] else 0.0

    @property
    def ratio(self) -> float:
        many = self.rate("many")
        return round(self.rate("one") / many, 3) if many else 0.0


def _ledger_legs(run: Run, gateway: Gateway) -> Tally:
    size = run.size
    currency = get_settings().currency
    picks = {"one": gateway.coalition.at(HOT), "many": gateway.coalition.spread()}
    tally = Tally()

    async def legs() -> None:
        async with run.pool(gateway.database_url, size=size.workers) as pool:
            for side in LEGS:
                outcome = await run_mix(
                    pool,
                    picks[side],
                    workers=size.workers,
                    seconds=size.leg_seconds,
                    currency=currency,
                )
                tally.add(side, outcome.committed, outcome.elapsed, outcome.problems())

    run_async(legs())
    return tally


def _gateway_legs(run: Run, gateway: Gateway, workdir: Path) -> Tally:
    members = {"one": gateway.coalition.load_members(HOT), "many": gateway.coalition.load_members()}
    tally = Tally()
    for number, side in enumerate(LEGS):
        mix = drive_mix(
            gateway,
            run,
            members[side],
            seconds=run.size.leg_seconds,
            workdir=workdir,
            warm_up=number == 0,
        )
        failures = mix.report.describe_failures()
        tally.add(side, mix.report.succeeded, mix.report.seconds, [failures] if failures else [])
    return tally


def measure(run: Run) -> Measurement:
    size = run.size
    partners = size.hot_partner_partners
    with (
        serving(run, "hot-partner", partners=partners, hot_partner_index=HOT) as gateway,
        tempfile.TemporaryDirectory() as tmp,
    ):
        ledger = _ledger_legs(run, gateway)
        http = _gateway_legs(run, gateway, Path(tmp))
    figure = min(ledger.ratio, http.ratio)
    return Measurement(
        figure=figure,
        unit="one/many",
        ratio=figure,
        divide_by_baseline=False,
        notes=[
            f"ledger {ledger.rate('one'):.0f} vs {ledger.rate('many'):.0f} tx/s"
            f" (ratio {ledger.ratio})",
            f"gateway {http.rate('one'):.0f} vs {http.rate('many'):.0f} mutations/s"
            f" (ratio {http.ratio})",
            f"one partner vs {partners}; legs many/one/one/many of {size.leg_seconds:g} s each;"
            " figure and ratio are the lower of the two ratios",
            *ledger.problems,
            *http.problems,
        ],
    )


SCENARIO = Scenario(name="hot-partner", goal=Goal(ratio_at_least=0.9), measure=measure)
