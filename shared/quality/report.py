"""The quality report generator: `python -m shared.quality.report --from … --to … [--calls …] [--out DIR]`.

Reads the period's turn metrics, calls, recording analyses, ratings and corrections; writes quality-report.html
(self-contained, plots inline as SVG when matplotlib is installed) and quality-report.json beside it.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.quality.dataset import Dataset, Period, TurnRow, load_dataset
from shared.quality.model import (
    BaselineRow,
    Breakdown,
    CallCounts,
    Figure,
    GroupFigure,
    Outcome,
    Overall,
    QualityReport,
    RatingFigure,
    Ratings,
    SampleCall,
    SideBySide,
    TimelineTurn,
    Transcription,
    Verdict,
)
from shared.quality.reply_kind import KINDS, LABELS
from shared.quality.reply_kind import __doc__ as REPLY_KIND_DOC
from shared.quality.stats import Summary, summarize
from shared.quality.thresholds import Criterion, Thresholds, load_thresholds
from shared.quality.wer import word_errors

COMPONENTS: tuple[tuple[str, str], ...] = (
    ("stt_ms", "STT finalisation (speech end → final transcript)"),
    ("llm_ttft_ms", "LLM time to first token"),
    ("first_sentence_ms", "First sentence ready"),
    ("tts_ttfb_ms", "TTS time to first byte"),
    ("first_frame_ms", "First audio frame sent"),
    ("voice_to_voice_ms", "Voice-to-voice (service-measured)"),
    ("overhead_ms", "Archer overhead (voice-to-voice − STT − LLM − TTS)"),
)
SAMPLE_CALLS = 3
TERMINAL_OK = {"completed"}
TERMINAL_FAILED = {"failed"}


@dataclass(frozen=True)
class PlotData:
    """The raw values behind the figures, for the plots (not part of the JSON)."""
    components: dict[str, list[float]]
    kinds: dict[str, list[float]]
    recorded: list[float]
    min_samples: int          # fewer values than this are not plotted


def _values(turns: Iterable[TurnRow], attr: str) -> list[float]:
    return [float(v) for t in turns if (v := getattr(t, attr)) is not None]


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _ratings(rows: Sequence[Any], group: str) -> RatingFigure:
    return RatingFigure(group=group, ratings=len(rows), reviewers=len({r.reviewer for r in rows}),
                        naturalness=_mean([r.naturalness for r in rows]),
                        latency_feel=_mean([r.latency_feel for r in rows]), overall=_mean([r.overall for r in rows]))


def _grouped(rows: Iterable[Any], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return dict(sorted(out.items()))


class _Builder:
    def __init__(self, data: Dataset, thresholds: Thresholds) -> None:
        self.data, self.th = data, thresholds
        self.min_turns = thresholds.sample.min_turns
        self.metrics: dict[str, float | None] = {}
        self.missing: dict[str, str] = {}   # metric -> why it has no figure

    def _note(self, prefix: str, summary: Summary, why: str) -> None:
        for stat in ("p50", "p90", "p95", "p99", "mean"):
            self.metrics[f"{prefix}.{stat}"] = summary.stat(stat)
            if not summary.enough:
                self.missing[f"{prefix}.{stat}"] = why

    def components(self) -> list[Figure]:
        figures = []
        for attr, label in COMPONENTS:
            summary = summarize(_values(self.data.turns, attr), self.min_turns)
            self._note(f"component.{attr}", summary, f"n={summary.n} of {self.min_turns} turns")
            figures.append(Figure(attr, label, summary))
        return figures

    def kinds(self) -> list[Figure]:
        figures = []
        for kind in (*KINDS, "unclassified"):
            summary = summarize(_values((t for t in self.data.turns if t.kind == kind), "voice_to_voice_ms"),
                                self.min_turns)
            self._note(f"kind.{kind}", summary, f"n={summary.n} of {self.min_turns} turns")
            figures.append(Figure(kind, LABELS[kind], summary))
        return figures

    def recorded(self) -> tuple[Figure, SideBySide]:
        gaps = self.data.gaps
        calls = len({g.call_id for g in gaps})
        summary = summarize([g.gap_ms for g in gaps], self.min_turns)
        need = self.th.sample.min_recorded_calls
        if calls < need:
            summary = dataclasses.replace(summary, enough=False, p50=None, p90=None, p95=None, p99=None, mean=None)
        self._note("recorded.voice_to_voice", summary,
                   f"{calls} of {need} recorded calls, n={summary.n} of {self.min_turns} turns")
        service = {(t.call_id, t.turn): t.voice_to_voice_ms for t in self.data.turns}
        pairs = [(float(s), g.gap_ms) for g in gaps if (s := service.get((g.call_id, g.turn))) is not None]
        s_sum = summarize([p[0] for p in pairs], self.min_turns)
        r_sum = summarize([p[1] for p in pairs], self.min_turns)
        side = SideBySide(turns=len(pairs), enough=s_sum.enough, service_p50=s_sum.p50, recording_p50=r_sum.p50,
                          service_p95=s_sum.p95, recording_p95=r_sum.p95,
                          mean_difference_ms=_mean([r - s for s, r in pairs]) if s_sum.enough else None)
        return Figure("recorded_voice_to_voice", "Voice-to-voice measured from recordings", summary), side

    def breakdowns(self) -> list[Breakdown]:
        calls = {c.id: c for c in self.data.calls}
        keys: dict[str, Callable[[Any], str]] = {
            "tactic": lambda c: c.tactic or "none", "direction": lambda c: c.direction, "region": lambda c: c.region}
        out = []
        for by, key in keys.items():
            rows = []
            for group, members in _grouped(self.data.calls, key).items():
                ids = {c.id for c in members}
                v2v = _values((t for t in self.data.turns if t.call_id in ids and t.call_id in calls),
                              "voice_to_voice_ms")
                rows.append(GroupFigure(group, len(members), summarize(v2v, self.min_turns)))
            out.append(Breakdown(by, rows))
        return out

    def ratings(self) -> Ratings:
        rows = self.data.ratings
        reviewers, rated = len({r.reviewer for r in rows}), len({r.call_id for r in rows})
        s = self.th.sample
        enough = reviewers >= s.min_reviewers and rated >= s.min_rated_calls
        total = _ratings(rows, "all")
        for dim in ("naturalness", "latency_feel", "overall"):
            self.metrics[f"ratings.{dim}.mean"] = getattr(total, dim) if enough else None
            if not enough:
                self.missing[f"ratings.{dim}.mean"] = (f"{reviewers} of {s.min_reviewers} reviewers, "
                                                       f"{rated} of {s.min_rated_calls} rated calls")
        return Ratings(reviewers=reviewers, rated_calls=rated, enough=enough, overall=total,
                       by_tactic=[_ratings(g, k) for k, g in _grouped(rows, lambda r: r.tactic or "none").items()],
                       by_day=[_ratings(g, k) for k, g in _grouped(rows, lambda r: r.day.isoformat()).items()])

    def transcription(self) -> Transcription:
        lines = self.data.caller_lines
        errors = word_errors([(ln.corrected if ln.corrected is not None else ln.original, ln.original)
                              for ln in lines])
        need = self.th.sample.min_corrected_words
        enough = errors.reference_words >= need and errors.wer is not None
        wer = round(errors.wer * 100, 2) if enough and errors.wer is not None else None
        accuracy = round(100 - wer, 2) if wer is not None else None
        self.metrics["transcription.accuracy_pct"] = accuracy
        if accuracy is None:
            self.missing["transcription.accuracy_pct"] = f"{errors.reference_words} of {need} reviewed words"
        return Transcription(reviewed_lines=len(lines), corrected_lines=sum(ln.corrected is not None for ln in lines),
                             reference_words=errors.reference_words, word_errors=errors.errors, enough=enough,
                             wer_pct=wer, accuracy_pct=accuracy)

    def baseline(self) -> list[BaselineRow]:
        rows = []
        for kind, base in self.th.baseline.medians_ms.items():
            ours = self.metrics.get(f"kind.{kind}.p50")
            improvement = round(base - ours, 2) if ours is not None else None
            self.metrics[f"baseline.{kind}_improvement_ms"] = improvement
            if improvement is None:
                self.missing[f"baseline.{kind}_improvement_ms"] = self.missing.get(f"kind.{kind}.p50", "no figure")
            rows.append(BaselineRow(kind, base, ours, improvement))
        return rows

    def calls(self) -> CallCounts:
        calls = self.data.calls
        ok = sum(c.status in TERMINAL_OK for c in calls)
        failed = sum(c.status in TERMINAL_FAILED for c in calls)
        rate = round(100 * ok / (ok + failed), 2) if ok + failed else None
        self.metrics["calls.success_rate_pct"] = rate
        if rate is None:
            self.missing["calls.success_rate_pct"] = "no finished calls"
        self.missing.setdefault("service.uptime_pct", "measured by the availability test in Application Insights")
        by_type: dict[str, int] = defaultdict(int)
        for c in calls:
            by_type[c.call_type] += 1
        return CallCounts(calls=len(calls), completed=ok, failed=failed, success_rate_pct=rate,
                          recorded_calls=len({g.call_id for g in self.data.gaps}), by_type=dict(by_type))

    def verdict(self, crit: Criterion, group: str) -> Verdict:
        figure = self.metrics.get(crit.metric)
        if figure is None:
            why = self.missing.get(crit.metric, "no figure")
            return Verdict(crit.id, group, crit.label, crit.metric, None, crit.threshold_text,  # type: ignore[arg-type]
                           "not_enough_data", f"not enough data ({why})")
        holds = crit.holds(figure)
        outcome: Outcome
        if group == "no_go":
            outcome, text = ("not_met", "NO-GO") if holds else ("met", "clear")
        else:
            outcome, text = ("met", "met") if holds else ("not_met", "not met")
        return Verdict(crit.id, group, crit.label, crit.metric, figure, crit.threshold_text,  # type: ignore[arg-type]
                       outcome, text)

    def samples(self, limit: int) -> list[SampleCall]:
        gaps = {(g.call_id, g.turn): g.gap_ms for g in self.data.gaps}
        tactics = {c.id: c.tactic for c in self.data.calls}
        by_call: dict[uuid.UUID, list[TimelineTurn]] = defaultdict(list)
        for t in self.data.turns:
            if None in (t.stt_ms, t.llm_ttft_ms, t.tts_ttfb_ms, t.voice_to_voice_ms):
                continue
            assert t.stt_ms is not None and t.llm_ttft_ms is not None and t.tts_ttfb_ms is not None
            assert t.voice_to_voice_ms is not None
            overhead = t.overhead_ms if t.overhead_ms is not None else max(
                0.0, t.voice_to_voice_ms - t.stt_ms - t.llm_ttft_ms - t.tts_ttfb_ms)
            by_call[t.call_id].append(TimelineTurn(t.turn, t.kind, t.stt_ms, t.llm_ttft_ms, t.tts_ttfb_ms, overhead,
                                                   t.voice_to_voice_ms, gaps.get((t.call_id, t.turn))))
        chosen = sorted(by_call.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))[:limit]
        return [SampleCall(str(cid), tactics.get(cid), turns) for cid, turns in chosen]


def overall_verdict(criteria: Sequence[Verdict]) -> tuple[Overall, list[str]]:
    """NO-GO when any NO-GO condition holds; GO when every GO criterion is met; otherwise HOLD, with the reasons."""
    triggered = [v for v in criteria if v.group == "no_go" and v.outcome == "not_met"]
    if triggered:
        return "NO-GO", [f"{v.label}: {v.figure:g} (NO-GO when {v.threshold})" for v in triggered
                         if v.figure is not None]
    unmet = [v for v in criteria if v.group == "go" and v.outcome != "met"]
    if not unmet:
        return "GO", ["every GO criterion is met and no NO-GO condition holds"]
    return "HOLD", [f"{v.label}: " + (v.text if v.figure is None else f"{v.figure:g}, needs {v.threshold}")
                    for v in unmet]


def build_report(data: Dataset, period: Period, thresholds: Thresholds, *, now: datetime,
                 sample_calls: int = SAMPLE_CALLS) -> tuple[QualityReport, PlotData]:
    """The report for `data` (already loaded for `period`), judged against `thresholds`."""
    b = _Builder(data, thresholds)
    components, kinds = b.components(), b.kinds()
    recorded, side = b.recorded()
    ratings, transcription = b.ratings(), b.transcription()
    baseline, counts = b.baseline(), b.calls()
    criteria = [b.verdict(c, "go") for c in thresholds.go] + [b.verdict(c, "no_go") for c in thresholds.no_go]
    monitors = [b.verdict(c, "monitor") for c in thresholds.monitor]
    overall, reasons = overall_verdict(criteria)
    report = QualityReport(
        generated_at=now.isoformat(), period_from=period.start.isoformat(), period_to=period.end.isoformat(),
        call_filter=[str(c) for c in period.call_ids], thresholds_version=thresholds.version,
        thresholds_approved_by=thresholds.approved_by, thresholds_approved_on=thresholds.approved_on.isoformat(),
        calls=counts, turns=len(data.turns), components=components, reply_kinds=kinds,
        reply_kind_rule=(REPLY_KIND_DOC or "").strip(), recorded=recorded, side_by_side=side,
        breakdowns=b.breakdowns(), ratings=ratings, transcription=transcription,
        baseline_name=thresholds.baseline.name, baseline=baseline, criteria=criteria, monitors=monitors,
        overall=overall, reasons=reasons, samples=b.samples(sample_calls))
    plots = PlotData(components={attr: _values(data.turns, attr) for attr, _ in COMPONENTS},
                     kinds={k: _values((t for t in data.turns if t.kind == k), "voice_to_voice_ms") for k in KINDS},
                     recorded=[g.gap_ms for g in data.gaps], min_samples=thresholds.sample.plot_min_samples)
    return report, plots


def report_json(report: QualityReport) -> str:
    return json.dumps(dataclasses.asdict(report), indent=2, default=str)


async def generate(conn: Any, period: Period, thresholds: Thresholds | None = None, *,
                   now: datetime | None = None) -> tuple[QualityReport, PlotData]:
    """Load the period's data and build its report."""
    data = await load_dataset(conn, period)
    return build_report(data, period, thresholds or load_thresholds(), now=now or datetime.now(UTC))


def write_report(report: QualityReport, plots: PlotData, out_dir: Path, *, with_plots: bool = True) -> Path:
    """Write quality-report.html and quality-report.json into out_dir; returns the HTML path."""
    from shared.quality.html import render_html

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "quality-report.json").write_text(report_json(report), encoding="utf-8")
    html_path = out_dir / "quality-report.html"
    html_path.write_text(render_html(report, plots if with_plots else None), encoding="utf-8")
    return html_path


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_args(argv: Sequence[str] | None = None, *, now: datetime | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m shared.quality.report", description=__doc__)
    parser.add_argument("--from", dest="start", type=_when, help="period start (ISO date/time, UTC; default 7 days ago)")
    parser.add_argument("--to", dest="end", type=_when, help="period end, exclusive (default now)")
    parser.add_argument("--calls", default="", help="comma-separated call ids to restrict the report to")
    parser.add_argument("--out", type=Path, default=Path(".local/reports"), help="output directory")
    parser.add_argument("--thresholds", type=Path, default=None, help="thresholds TOML (default: the versioned one)")
    args = parser.parse_args(argv)
    clock = now or datetime.now(UTC)
    args.end = args.end or clock
    args.start = args.start or args.end - timedelta(days=7)
    if args.start >= args.end:
        parser.error("--from must be before --to")
    try:
        args.call_ids = tuple(uuid.UUID(c.strip()) for c in args.calls.split(",") if c.strip())
    except ValueError:
        parser.error("--calls must be comma-separated call ids (UUIDs)")
    return args


async def _run(args: argparse.Namespace, database_url: str) -> int:
    from psycopg_pool import AsyncConnectionPool

    period = Period(args.start, args.end, args.call_ids)
    pool = AsyncConnectionPool(database_url, min_size=1, max_size=2, open=False)
    await pool.open(wait=True)
    try:
        async with pool.connection() as conn:
            report, plots = await generate(conn, period, load_thresholds(args.thresholds))
    finally:
        await pool.close()
    path = write_report(report, plots, args.out)
    print(f"{report.overall}: {report.calls.calls} calls, {report.turns} turns "
          f"({report.period_from} → {report.period_to})")
    for reason in report.reasons:
        print(f"  - {reason}")
    print(f"wrote {path.resolve()} and {path.with_suffix('.json').name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """DATABASE_URL, else the embedded PostgreSQL of `make dev` (as `make demo` does), migrated to head."""
    import importlib

    from shared.db.migrate import upgrade
    from shared.settings import get_settings

    args = parse_args(argv)
    url = get_settings().database_url
    server = None
    if not url:
        server, url = importlib.import_module("devhost.embedded_pg").start_embedded_postgres()
    try:
        upgrade(url)
        return asyncio.run(_run(args, url))
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
