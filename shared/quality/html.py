"""The quality report as one self-contained HTML page (inline CSS and SVG; no script, no external request)."""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from shared.quality import plots as plotting
from shared.quality.model import Figure, QualityReport, RatingFigure, Verdict
from shared.quality.stats import Summary

if TYPE_CHECKING:
    from shared.quality.report import PlotData

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2430;margin:0;background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e3e6ea;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#5b6472}table{border-collapse:collapse;width:100%;margin:6px 0 10px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceef1;font-variant-numeric:tabular-nums}
th{background:#f3f5f7;font-weight:600}td.num,th.num{text-align:right}.verdict{display:inline-block;font-weight:700;
font-size:22px;padding:6px 16px;border-radius:6px;color:#fff}.GO{background:#1f7a3a}.NO-GO{background:#b42318}
.HOLD{background:#b54708}.met{color:#1f7a3a;font-weight:600}.not_met{color:#b42318;font-weight:700}
.not_enough_data{color:#8a6d00}.thin{color:#8a6d00;font-style:italic}svg{max-width:100%;height:auto}
"""


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _summary_cells(s: Summary) -> str:
    if not s.enough:
        return (f'<td class="num">{s.n}</td><td colspan="5" class="thin">not enough data '
                f"(needs {s.min_samples})</td>")
    return "".join(f'<td class="num">{c}</td>' for c in (s.n, _ms(s.p50), _ms(s.p90), _ms(s.p95), _ms(s.p99),
                                                         _ms(s.mean)))


def _figure_table(figures: list[Figure], first: str = "Figure") -> str:
    head = (f"<tr><th>{first}</th><th class=num>n</th><th class=num>P50</th><th class=num>P90</th>"
            "<th class=num>P95</th><th class=num>P99</th><th class=num>mean</th></tr>")
    rows = "".join(f"<tr><td>{escape(f.label)}</td>{_summary_cells(f.summary)}</tr>" for f in figures)
    return f"<table>{head}{rows}</table>"


def _verdict_rows(verdicts: list[Verdict]) -> str:
    out = []
    for v in verdicts:
        figure = "—" if v.figure is None else f"{v.figure:,.1f}"
        out.append(f"<tr><td>{escape(v.label)}</td><td class=num>{figure}</td><td>{escape(v.threshold)}</td>"
                   f'<td class="{v.outcome}">{escape(v.text)}</td></tr>')
    return "".join(out)


def _rating_rows(rows: list[RatingFigure]) -> str:
    return "".join(f"<tr><td>{escape(r.group)}</td><td class=num>{r.ratings}</td><td class=num>{r.reviewers}</td>"
                   f"<td class=num>{_num(r.naturalness)}</td><td class=num>{_num(r.latency_feel)}</td>"
                   f"<td class=num>{_num(r.overall)}</td></tr>" for r in rows)


def _plots(report: QualityReport, data: PlotData | None) -> str:
    if data is None or not plotting.available():
        return ('<p class="muted">Plots are drawn by <code>make report</code> (matplotlib is a development '
                "dependency, not installed in the Function app); every figure above is in this page and its JSON.</p>")
    parts = []
    min_samples = data.min_samples
    labels = {f.key: f.label for f in report.components}
    series = [(labels[k], v) for k, v in data.components.items()]
    series += [(f"Voice-to-voice, {f.label.lower()}", data.kinds.get(f.key, [])) for f in report.reply_kinds
               if f.key in data.kinds]
    series.append(("Voice-to-voice measured from recordings", data.recorded))
    for title, values in series:
        if len(values) < min_samples:
            parts.append(f'<p class="thin">{escape(title)}: not enough data to plot ({len(values)} of '
                         f"{min_samples} values).</p>")
            continue
        summary = next((f.summary for f in report.components if f.label == title), None)
        marks = {"P50": summary.p50, "P95": summary.p95} if summary is not None and summary.enough else {}
        parts.append(plotting.distribution_svg(title, values, {k: v for k, v in marks.items() if v is not None}))
    parts.append("<h3>Per-turn timeline of sample calls</h3>")
    if not report.samples:
        parts.append('<p class="thin">No call in the period has complete turn timings.</p>')
    for call in report.samples:
        parts.append(f"<p class=muted>Call <code>{escape(call.call_id)}</code> · tactic "
                     f"{escape(call.tactic or 'none')}</p>")
        parts.append(plotting.timeline_svg(call))
    return "\n".join(parts)


def render_html(report: QualityReport, data: PlotData | None) -> str:
    """The whole page. `data` None (or no matplotlib) leaves the plots out with a note saying where they are."""
    r = report
    reasons = "".join(f"<li>{escape(x)}</li>" for x in r.reasons)
    side = r.side_by_side
    side_html = (
        f"<table><tr><th></th><th class=num>P50</th><th class=num>P95</th></tr>"
        f"<tr><td>Service-measured (turn_metrics)</td><td class=num>{_ms(side.service_p50)}</td>"
        f"<td class=num>{_ms(side.service_p95)}</td></tr><tr><td>Heard on the recording</td>"
        f"<td class=num>{_ms(side.recording_p50)}</td><td class=num>{_ms(side.recording_p95)}</td></tr></table>"
        f"<p class=muted>{side.turns} turns have both; recording minus service, mean: "
        f"{_ms(side.mean_difference_ms)} ms.</p>") if side.enough else (
        f'<p class="thin">Not enough turns with both figures to compare ({side.turns}).</p>')
    breakdowns = "".join(
        f"<h3>By {escape(b.by)}</h3><table><tr><th>{escape(b.by)}</th><th class=num>calls</th><th class=num>turns</th>"
        "<th class=num>P50</th><th class=num>P90</th><th class=num>P95</th><th class=num>P99</th>"
        "<th class=num>mean</th></tr>"
        + "".join(f"<tr><td>{escape(g.group)}</td><td class=num>{g.calls}</td>{_summary_cells(g.voice_to_voice)}</tr>"
                  for g in b.rows) + "</table>" for b in r.breakdowns)
    t = r.transcription
    ratings_note = "" if r.ratings.enough else (
        f'<p class="thin">Not enough ratings for a verdict: {r.ratings.reviewers} reviewers, '
        f"{r.ratings.rated_calls} rated calls.</p>")
    baseline_rows = "".join(
        f"<tr><td>{escape(b.kind)}</td><td class=num>{_ms(b.baseline_ms)}</td><td class=num>{_ms(b.ours_ms)}</td>"
        f"<td class=num>{_ms(b.improvement_ms)}</td></tr>" for b in r.baseline)
    filt = f" · calls: {escape(', '.join(r.call_filter))}" if r.call_filter else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Archer quality report {escape(r.period_from[:10])} – \
{escape(r.period_to[:10])}</title><meta name="viewport" content="width=device-width,initial-scale=1">
<style>{CSS}</style></head><body><main>
<h1>Archer voice quality report</h1>
<p class="muted">Period {escape(r.period_from)} → {escape(r.period_to)}{filt} · generated {escape(r.generated_at)}<br>
Thresholds v{escape(r.thresholds_version)}, approved by {escape(r.thresholds_approved_by)} on \
{escape(r.thresholds_approved_on)}</p>
<p><span class="verdict {r.overall}" id="overall-verdict">{r.overall}</span></p><ul>{reasons}</ul>
<p>{r.calls.calls} calls ({r.calls.completed} completed, {r.calls.failed} failed) · {r.turns} turns ·
{r.calls.recorded_calls} calls with an analysed recording</p>

<h2>GO / NO-GO</h2>
<table><tr><th>Criterion</th><th class=num>Figure</th><th>Threshold</th><th>Verdict</th></tr>
{_verdict_rows([v for v in r.criteria if v.group == "go"])}
<tr><th colspan=4>NO-GO conditions</th></tr>{_verdict_rows([v for v in r.criteria if v.group == "no_go"])}</table>
<h3>Post-launch monitors (not part of the launch verdict)</h3>
<table><tr><th>Monitor</th><th class=num>Figure</th><th>Target</th><th>Status</th></tr>{_verdict_rows(r.monitors)}</table>

<h2>Component latency (ms)</h2>{_figure_table(r.components, "Component")}
<h2>Voice-to-voice by reply kind (ms)</h2>{_figure_table(r.reply_kinds, "Reply kind")}
<p class="muted" style="white-space:pre-line">{escape(r.reply_kind_rule)}</p>
<h2>Service-measured vs heard on the recording</h2>{_figure_table([r.recorded], "Figure")}{side_html}

<h2>Baseline: {escape(r.baseline_name)}</h2>
<table><tr><th>Reply kind</th><th class=num>Baseline median</th><th class=num>Archer median</th>
<th class=num>Faster by</th></tr>{baseline_rows}</table>

<h2>Breakdowns (voice-to-voice, ms)</h2>{breakdowns}

<h2>Tester ratings (1–10)</h2>{ratings_note}
<table><tr><th>Group</th><th class=num>ratings</th><th class=num>reviewers</th><th class=num>naturalness</th>
<th class=num>latency feel</th><th class=num>overall</th></tr>{_rating_rows([r.ratings.overall])}
<tr><th colspan=6>By tactic</th></tr>{_rating_rows(r.ratings.by_tactic)}
<tr><th colspan=6>By day</th></tr>{_rating_rows(r.ratings.by_day)}</table>
<h3>Transcription accuracy</h3>
<p>{t.reviewed_lines} caller lines reviewed, {t.corrected_lines} corrected; {t.reference_words} words,
{t.word_errors} word errors. WER {_num(t.wer_pct, 2)} % · accuracy {_num(t.accuracy_pct, 2)} %
{"" if t.enough else '<span class="thin">(not enough reviewed words for a verdict)</span>'}</p>

<h2>Plots</h2>{_plots(r, data)}
</main></body></html>
"""
