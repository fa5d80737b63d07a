"""The GO/NO-GO thresholds as data: load and validate the versioned TOML file (thresholds.toml beside this module).

A criterion compares one named metric with a threshold; the file also carries minimum sample sizes and baseline figures.
"""
from __future__ import annotations

import operator
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).with_name("thresholds.toml")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class ThresholdsError(ValueError):
    """The thresholds file is missing a field or has a wrong one."""


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    metric: str
    op: str
    value: float
    unit: str

    def holds(self, figure: float) -> bool:
        return OPERATORS[self.op](figure, self.value)

    @property
    def threshold_text(self) -> str:
        return f"{self.op} {self.value:g} {self.unit}".strip()


@dataclass(frozen=True)
class SampleMinimums:
    min_turns: int
    min_recorded_calls: int
    min_reviewers: int
    min_rated_calls: int
    min_corrected_words: int
    plot_min_samples: int


@dataclass(frozen=True)
class Baseline:
    name: str
    medians_ms: dict[str, float]   # reply kind -> voice-to-voice median of the previous system


@dataclass(frozen=True)
class Thresholds:
    version: str
    approved_by: str
    approved_on: date
    source: str
    sample: SampleMinimums
    baseline: Baseline
    go: tuple[Criterion, ...]
    no_go: tuple[Criterion, ...]
    monitor: tuple[Criterion, ...]


def _criterion(raw: dict[str, Any], where: str) -> Criterion:
    try:
        crit = Criterion(id=str(raw["id"]), label=str(raw["label"]), metric=str(raw["metric"]), op=str(raw["op"]),
                         value=float(raw["value"]), unit=str(raw.get("unit", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ThresholdsError(f"{where}: criterion needs id, label, metric, op, value ({exc})") from None
    if crit.op not in OPERATORS:
        raise ThresholdsError(f"{where}: criterion {crit.id!r} has unknown op {crit.op!r}")
    return crit


def parse_thresholds(data: dict[str, Any], where: str = "thresholds") -> Thresholds:
    """Thresholds from parsed TOML; ThresholdsError names what is wrong."""
    try:
        sample = SampleMinimums(**{k: int(v) for k, v in data["sample"].items()})
        base = data["baseline"]
        medians = {kind: float(base[f"{kind}_median_ms"]) for kind in ("simple", "multi_turn", "tool")
                   if f"{kind}_median_ms" in base}
        if "simple" not in medians:
            raise ThresholdsError(f"{where}: baseline needs simple_median_ms")
        baseline = Baseline(name=str(base["name"]), medians_ms=medians)
        approved_on = data["approved_on"]
        if not isinstance(approved_on, date):
            raise ThresholdsError(f"{where}: approved_on must be a TOML date")
        return Thresholds(
            version=str(data["version"]), approved_by=str(data["approved_by"]), approved_on=approved_on,
            source=str(data.get("source", "")), sample=sample, baseline=baseline,
            go=tuple(_criterion(c, where) for c in data.get("go", [])),
            no_go=tuple(_criterion(c, where) for c in data.get("no_go", [])),
            monitor=tuple(_criterion(c, where) for c in data.get("monitor", [])))
    except KeyError as exc:
        raise ThresholdsError(f"{where}: missing {exc.args[0]!r}") from None
    except TypeError as exc:
        raise ThresholdsError(f"{where}: {exc}") from None


def load_thresholds(path: Path | None = None) -> Thresholds:
    """The thresholds file (default: the versioned one in shared/quality/)."""
    target = path or DEFAULT_PATH
    with target.open("rb") as fh:
        return parse_thresholds(tomllib.load(fh), str(target))
