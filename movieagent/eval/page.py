"""report.html: the evaluation as one self-contained page (inline CSS, JS and SVG; pictures and the movie by
relative path inside the movie folder), meant to be opened from the folder or served with it."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

from movieagent.config import AudioSettings
from movieagent.eval.plots import loudness_svg, offsets_svg
from movieagent.eval.report import EvalReport, ShotRow
from movieagent.schema import Plan

VERDICT_SYMBOLS = {"good": "✓", "warn": "!", "bad": "✗", "info": "·"}


def render_html(report: EvalReport, plan: Plan, audio_targets: AudioSettings, subtitles_vtt: str | None) -> str:
    """The page; `subtitles_vtt` is the WebVTT text of report.subtitles_vtt, kept in the page for file:// viewing."""
    sections = [
        _summary(report),
        _watch(report, subtitles_vtt),
        _sound(report, audio_targets),
        _subtitles(report),
        _coverage(report),
        _shots(report),
        _editing(report),
        _models(report),
        _plan(plan),
    ]
    body = "\n".join(section for section in sections if section)
    return PAGE.format(
        title=_text(report.title),
        css=CSS,
        script=SCRIPT,
        header=_header(report),
        nav=" ".join(f'<a href="#{anchor}">{label}</a>' for anchor, label in NAVIGATION if f'<section id="{anchor}">' in body),
        body=body,
    )


NAVIGATION = [
    ("summary", "Summary"),
    ("watch", "Watch"),
    ("sound", "Sound"),
    ("subtitles", "Subtitles"),
    ("coverage", "Coverage"),
    ("shots", "Shots"),
    ("editing", "Editing"),
    ("models", "Model scores"),
    ("plan", "Plan"),
]


def _header(report: EvalReport) -> str:
    made_by = "movieagent" if report.layout == "movieagent" else "MovieAgent (showlab)"
    facts = [
        _clock(report.duration_s),
        f"{len(report.shots)} shots",
        f"{report.width}×{report.height} @ {report.fps:g} fps",
        f"made by {made_by}",
        f"evaluated {report.evaluated_at}",
    ]
    return f'<h1>{_text(report.title)}</h1><p class="facts">{" · ".join(_text(fact) for fact in facts)}</p><p class="folder">{_text(report.folder)}</p>'


def _summary(report: EvalReport) -> str:
    cards = []
    for row in report.summary:
        cards.append(
            f'<div class="card {row.verdict}"><div class="area">{_text(row.area)}</div>'
            f'<div class="metric">{_text(row.metric)}</div>'
            f'<div class="value"><span class="symbol">{VERDICT_SYMBOLS[row.verdict]}</span> {_text(row.value)}</div>'
            + (f'<div class="note">{_text(row.note)}</div>' if row.note else "")
            + f'<div class="target">target {_text(row.target)}</div></div>'
        )
    counts = {verdict: sum(row.verdict == verdict for row in report.summary) for verdict in ("good", "warn", "bad")}
    tally = f'<p class="tally"><span class="good">{counts["good"]} good</span> <span class="warn">{counts["warn"]} to look at</span> <span class="bad">{counts["bad"]} failing</span></p>'
    return _section("summary", "Summary", tally + f'<div class="cards">{"".join(cards)}</div>')


def _watch(report: EvalReport, subtitles_vtt: str | None) -> str:
    track = (
        f'<track kind="subtitles" src="{_attribute(report.subtitles_vtt)}" srclang="en" label="Subtitles" default>'
        if report.subtitles_vtt and subtitles_vtt is not None
        else ""
    )
    poster = next((row.thumbnail for row in report.shots if row.thumbnail), None)
    poster_attribute = f' poster="{_attribute(poster)}"' if poster else ""
    player = f'<video id="movie" controls preload="metadata"{poster_attribute} src="{_attribute(report.movie)}">{track}</video>'
    if track:
        # Opened as a file, the page may not load a <track> from beside it (file: URLs are each their own origin):
        # the same subtitles then come from the page itself. This runs before the browser starts loading the track.
        text = json.dumps(subtitles_vtt).replace("</", "<\\/")
        player += f"<script>{LOCAL_SUBTITLES.replace('VTT_TEXT', text)}</script>"
    pages = "".join(
        f'<img src="{_attribute(page)}" alt="storyboard page {number}" loading="lazy">'
        for number, page in enumerate(report.storyboard_pages, start=1)
    )
    storyboard = f'<details class="storyboard"><summary>Storyboard</summary>{pages}</details>' if pages else ""
    hint = '<p class="hint">Click a shot, a cue or a point on a plot to jump there in the movie.</p>'
    return _section("watch", "Watch", player + hint + storyboard)


def _sound(report: EvalReport, targets: AudioSettings) -> str:
    if report.audio is None:
        return _section("sound", "Sound", '<p class="none">This movie has no sound track.</p>')
    audio = report.audio
    legend = (
        '<p class="legend"><span class="key loudness"></span>short-term loudness <span class="key target"></span>target '
        '<span class="key integrated"></span>integrated <span class="key speech"></span>speech detected '
        '<span class="key clipped"></span>clipping <span class="key shot"></span>shot change</p>'
    )
    facts = _facts(
        [
            ("integrated", _number(audio.integrated_lufs, "LUFS")),
            ("loudness range", _number(audio.loudness_range_lu, "LU")),
            ("true peak", _number(audio.true_peak_dbtp, "dBTP")),
            ("clipped samples", f"{audio.clipped_samples:.4%}"),
            ("speech detected", f"{report.speech.speech_s:.1f} s" if report.speech else "-"),
        ]
    )
    return _section("sound", "Sound", facts + loudness_svg(audio, report.speech, report.duration_s, targets.target_lufs) + legend)


def _subtitles(report: EvalReport) -> str:
    sync, style = report.subtitle_sync, report.subtitle_style
    if sync is None and style is None:
        return _section("subtitles", "Subtitles", '<p class="none">No subtitle file to measure.</p>')
    parts = []
    if sync is not None:
        parts.append(
            _facts(
                [
                    ("cues", str(sync.cues)),
                    ("within ±100 ms", "-" if sync.within_tolerance is None else f"{sync.within_tolerance:.0%}"),
                    ("mean offset", "-" if sync.mean_offset_ms is None else f"{sync.mean_offset_ms:+.0f} ms"),
                    ("speech without a subtitle", f"{sync.speech_without_subtitle_s:.1f} s"),
                ]
            )
        )
        parts.append(offsets_svg(sync, report.duration_s))
        rows = [
            (
                f'<tr data-seek="{cue.start_s:.3f}"><td>{cue.index}</td><td>{_clock(cue.start_s, precise=True)}</td>'
                f'<td class="number {_offset_class(cue.start_offset_ms)}">{"-" if cue.start_offset_ms is None else f"{cue.start_offset_ms:+.0f} ms"}</td>'
                f"<td>{_lines(cue.text)}</td></tr>"
            )
            for cue in sync.worst
        ]
        parts.append('<h3>Cues furthest from their speech</h3>' + _table(["cue", "at", "offset", "text"], rows))
    if style is not None:
        parts.append(
            "<h3>Style</h3>"
            + _facts(
                [
                    ("reading speed", f"{style.chars_per_second_mean or 0:.1f} chars/s mean, {style.chars_per_second_max or 0:.1f} max"),
                    ("longest line", f"{style.longest_line_chars} chars"),
                    ("time on screen", f"{style.duration_min_s or 0:.2f}–{style.duration_max_s or 0:.2f} s"),
                    ("smallest gap", "-" if style.smallest_gap_ms is None else f"{style.smallest_gap_ms:.0f} ms"),
                ]
            )
        )
        if style.violations:
            rows = [
                f"<tr><td>{violation.index}</td><td>{_text(violation.rule)}</td><td class=\"number\">{violation.value:g}</td><td class=\"number\">{violation.limit:g}</td></tr>"
                for violation in style.violations
            ]
            parts.append(f"<details><summary>{len(style.violations)} style rules broken</summary>{_table(['cue', 'rule', 'value', 'limit'], rows)}</details>")
        else:
            parts.append('<p class="ok">Every cue keeps to the style rules.</p>')
    return _section("subtitles", "Subtitles", "".join(parts))


def _coverage(report: EvalReport) -> str:
    coverage = report.coverage
    reference = "the script" if coverage.reference == "script" else "the plan (no script given)"
    parts = [f'<p>Lines checked against {reference}, characters against the {coverage.characters_checked_against}.</p>']
    shares = [("subtitled", coverage.subtitle_share), ("heard", coverage.audio_share)]
    if coverage.reference == "script":
        shares.insert(0, ("in the plan", coverage.plan_share))
    parts.append(_facts([(label, f"{share:.0%}") for label, share in shares if share is not None] + [("lines", str(coverage.lines))]))
    if coverage.missing:
        rows = [
            f"<tr><td>{_text(line.speaker)}</td><td>{_text(line.text)}</td><td>{_mark(line.in_order)}</td><td>{_mark(line.in_subtitles)}</td><td>{_mark(line.heard)}</td></tr>"
            for line in coverage.missing
        ]
        parts.append("<h3>Lines missing somewhere</h3>" + _table(["speaker", "line", "plan (in order)", "subtitles", "heard"], rows))
    else:
        measured = {
            "in the plan, in order": coverage.reference == "script",
            "subtitled": coverage.lines_in_subtitles is not None,
            "heard": coverage.lines_heard is not None,
        }
        checked = [label for label, was_measured in measured.items() if was_measured]
        if checked:
            listed = checked[0] if len(checked) == 1 else ", ".join(checked[:-1]) + " and " + checked[-1]
            parts.append(f'<p class="ok">Every line is {_text(listed)}.</p>')
        else:
            parts.append('<p class="none">Nothing to check the lines against: no script given, no subtitles and no sound track.</p>')
    if coverage.unknown_characters:
        rows = [f"<tr><td>{_text(found.shot_id)}</td><td>{_text(found.character_id)}</td></tr>" for found in coverage.unknown_characters]
        parts.append(f"<h3>Characters not in the {coverage.characters_checked_against}</h3>" + _table(["shot", "character"], rows))
    return _section("coverage", "Coverage", "".join(parts))


def _shots(report: EvalReport) -> str:
    with_vision = any(row.clip_t is not None or row.clip_i is not None or row.dino is not None for row in report.shots)
    headings = ["#", "frame", "shot", "time", "who", "first line", "loudness", "subtitle offset"]
    headings += ["CLIP-T", "CLIP-I", "DINO", "WS-FC"] if with_vision else []
    headings.append("problems")
    rows = [_shot_row(row, with_vision) for row in report.shots]
    return _section("shots", "Shots", _table(headings, rows, css="shots"))


def _shot_row(row: ShotRow, with_vision: bool) -> str:
    picture = f'<img src="{_attribute(row.thumbnail)}" alt="shot {row.index}">' if row.thumbnail else ""
    framing = " ".join(part.replace("_", " ") for part in (row.size, row.movement) if part)
    cells = [
        f'<td class="number">{row.index}</td>',
        f'<td class="thumb">{picture}</td>',
        f'<td><div class="id">{_text(row.shot_id)}</div><div class="muted">{_text(framing)}</div></td>',
        f'<td class="number">{_clock(row.start_s, precise=True)}<div class="muted">{row.duration_s:.2f} s</div></td>',
        f"<td>{_text(', '.join(row.characters))}</td>",
        f'<td class="line">{_text(row.first_line or "")}</td>',
        f'<td class="number">{_number(row.lufs, "LUFS")}</td>',
        f'<td class="number {_offset_class(row.subtitle_offset_ms)}">{"" if row.subtitle_offset_ms is None else f"{row.subtitle_offset_ms:+.0f} ms"}</td>',
    ]
    if with_vision:
        cells += [f'<td class="number">{"" if value is None else f"{value:.3f}"}</td>' for value in (row.clip_t, row.clip_i, row.dino, row.ws_fc)]
    cells.append(f'<td class="problems">{"<br>".join(_text(problem) for problem in row.problems)}</td>')
    css = ' class="flagged"' if row.problems else ""
    return f'<tr data-seek="{row.start_s:.3f}"{css}>{"".join(cells)}</tr>'


def _editing(report: EvalReport) -> str:
    editing = report.editing
    parts = [
        _facts(
            [
                ("planned cuts", str(editing.planned_cuts)),
                ("found", str(editing.detected_cuts)),
                ("precision", "-" if editing.precision is None else f"{editing.precision:.0%}"),
                ("recall", "-" if editing.recall is None else f"{editing.recall:.0%}"),
                ("fades (not counted)", str(editing.soft_boundaries)),
            ]
        )
    ]
    for title, cuts in (("Planned cuts not found", editing.missed), ("Cuts found where none is planned", editing.unexpected)):
        if cuts:
            rows = [f'<tr data-seek="{cut.time_s:.3f}"><td class="number">{cut.frame}</td><td>{_clock(cut.time_s, precise=True)}</td><td>{_text(cut.shot_id or "")}</td></tr>' for cut in cuts]
            parts.append(f"<h3>{title}</h3>" + _table(["frame", "at", "shot starting"], rows))
    if not editing.missed and not editing.unexpected:
        parts.append(f'<p class="ok">Every cut is where the timeline puts it (±{editing.tolerance_frames} frames).</p>')
    return _section("editing", "Editing", "".join(parts))


def _models(report: EvalReport) -> str:
    parts = []
    if report.vision:
        models = report.vision.get("models", {})
        parts.append("<h3>Vision</h3>" + _facts([(name, str(model)) for name, model in models.items()]))
        consistency = report.vision.get("cs_fc", {})
        if consistency:
            rows = [f"<tr><td>{_text(character)}</td><td class=\"number\">{value:.3f}</td></tr>" for character, value in consistency.items()]
            parts.append("<h3>Each character across shots (CS-FC)</h3>" + _table(["character", "consistency"], rows))
    if report.judge:
        rows = [
            f'<tr><td>{_text(score.criterion.replace("_", " "))}</td><td class="number score s{score.score}">{score.score}/5</td><td>{_text(score.reasons)}</td></tr>'
            for score in report.judge.scores
        ]
        parts.append(f"<h3>Judge ({_text(report.judge.model)})</h3>" + _table(["criterion", "score", "reasons"], rows))
    return _section("models", "Model scores", "".join(parts)) if parts else ""


def _plan(plan: Plan) -> str:
    names = {member.id: member.name for member in plan.cast}
    scenes = []
    for scene in plan.scenes:
        shots = []
        for shot in scene.shots:
            who = ", ".join(names.get(placed.character_id, placed.character_id) for placed in shot.characters)
            lines = "".join(
                f'<li><span class="speaker">{_text(names.get(line.speaker_id, line.speaker_id))}</span> {_text(line.text)}</li>' for line in shot.lines
            )
            framing = f"{shot.size.value} · {shot.angle.value} · {shot.movement.value}".replace("_", " ")
            shots.append(
                f'<li class="shot"><div><span class="id">{_text(shot.id)}</span> <span class="muted">{_text(framing)} · {shot.duration_s:.1f} s planned</span></div>'
                f'<div class="who">{_text(who)}</div><div class="action">{_text(shot.action)}</div>'
                + (f'<ul class="lines">{lines}</ul>' if lines else "")
                + "</li>"
            )
        scenes.append(
            f"<details><summary><b>{scene.index}. {_text(scene.heading)}</b> <span class=\"muted\">{len(scene.shots)} shots</span></summary>"
            f'<p class="summary-text">{_text(scene.summary)}</p><ol class="plan-shots">{"".join(shots)}</ol></details>'
        )
    cast = "".join(f"<li><b>{_text(member.name)}</b> {_text(member.description)}</li>" for member in plan.cast)
    intro = f'<p class="muted">{_text(plan.logline)}</p>' if plan.logline else ""
    return _section("plan", "Plan", intro + f'<details><summary>Cast ({len(plan.cast)})</summary><ul class="cast">{cast}</ul></details>' + "".join(scenes))


# --------------------------------------------------------------------------- small pieces


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{title}</h2>{body}</section>'


def _table(headings: Iterable[str], rows: Iterable[str], css: str = "") -> str:
    head = "".join(f"<th>{_text(heading)}</th>" for heading in headings)
    return f'<div class="table"><table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _facts(pairs: list[tuple[str, str]]) -> str:
    return '<dl class="facts">' + "".join(f"<div><dt>{_text(label)}</dt><dd>{_text(value)}</dd></div>" for label, value in pairs) + "</dl>"


def _mark(value: bool | None) -> str:
    return "" if value is None else '<span class="yes">✓</span>' if value else '<span class="no">✗</span>'


def _offset_class(offset_ms: float | None) -> str:
    return "" if offset_ms is None else "ok" if abs(offset_ms) <= 100.5 else "off"


def _lines(text: str) -> str:
    return "<br>".join(_text(line) for line in text.splitlines())


def _number(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:.1f} {unit}"


def _clock(seconds: float, *, precise: bool = False) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}" if precise else f"{int(minutes)}:{round(rest):02d}"


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def _attribute(value: object) -> str:
    return html.escape(str(value), quote=True)


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — evaluation</title>
<link rel="icon" href="data:,">
<style>{css}</style>
</head>
<body>
<header>{header}<nav>{nav}</nav></header>
<main>
{body}
</main>
<footer>Every number on this page is in metrics.json beside it. Made by <code>movieagent eval</code>.</footer>
<script>{script}</script>
</body>
</html>
"""

CSS = """
:root { --ink: #1f2328; --muted: #5f6673; --paper: #f6f5f1; --card: #ffffff; --line: #e2dfd7;
  --good: #2e7d32; --warn: #b26a00; --bad: #c62828; --info: #546e7a; --accent: #b23a30; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--paper); }
header { background: #1c1e24; color: #f3f3f3; padding: 22px 32px 0; }
header h1 { margin: 0; font-size: 26px; letter-spacing: .3px; }
header .facts { margin: 6px 0 2px; color: #c9ccd3; }
header .folder { margin: 0 0 12px; color: #8d93a0; font: 12px ui-monospace, monospace; }
nav { display: flex; gap: 18px; flex-wrap: wrap; padding: 8px 0 12px; }
nav a { color: #f3f3f3; text-decoration: none; opacity: .8; font-size: 14px; }
nav a:hover { opacity: 1; text-decoration: underline; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 24px 40px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 18px 0; }
h2 { margin: 0 0 12px; font-size: 19px; }
h3 { margin: 18px 0 8px; font-size: 15px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(215px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-left: 5px solid var(--info); border-radius: 8px; padding: 10px 12px; background: #fcfcfa; }
.card.good { border-left-color: var(--good); } .card.warn { border-left-color: var(--warn); } .card.bad { border-left-color: var(--bad); background: #fff6f5; }
.card .area { text-transform: uppercase; font-size: 11px; letter-spacing: .8px; color: var(--muted); }
.card .metric { font-size: 13px; margin: 2px 0 6px; }
.card .value { font-size: 19px; font-weight: 600; }
.card.good .symbol { color: var(--good); } .card.warn .symbol { color: var(--warn); } .card.bad .symbol { color: var(--bad); } .card.info .symbol { color: var(--info); }
.card .target { font-size: 12px; color: var(--muted); margin-top: 4px; }
.card .note { font-size: 12.5px; margin-top: 2px; overflow-wrap: anywhere; }
.tally span { margin-right: 14px; font-weight: 600; } .tally .good { color: var(--good); } .tally .warn { color: var(--warn); } .tally .bad { color: var(--bad); }
video { width: 100%; max-height: 70vh; background: #000; border-radius: 8px; }
.hint, .muted { color: var(--muted); font-size: 13px; }
.storyboard img { max-width: 100%; margin-top: 10px; border: 1px solid var(--line); }
dl.facts { display: flex; flex-wrap: wrap; gap: 10px 28px; margin: 0 0 12px; }
dl.facts dt { font-size: 12px; color: var(--muted); } dl.facts dd { margin: 0; font-weight: 600; }
svg.chart { width: 100%; height: auto; display: block; margin: 6px 0; }
svg .plot { fill: #fbfbf9; stroke: var(--line); } svg .grid { stroke: #ebe8e1; } svg .tick { font-size: 11px; fill: var(--muted); }
svg .unit { font-size: 11px; fill: var(--muted); } svg .tick-mark { stroke: #b9b5ab; }
svg .loudness { fill: none; stroke: #2f5fa8; stroke-width: 1.6; }
svg .target { stroke: var(--good); stroke-dasharray: 6 4; stroke-width: 1.4; } svg .integrated { stroke: var(--accent); stroke-width: 1.2; }
svg .zero { stroke: #8d93a0; stroke-width: 1; } svg .speech { fill: #7cb342; opacity: .75; } svg .clipped { fill: var(--bad); opacity: .28; }
svg .shot { stroke: #d6d2c8; stroke-dasharray: 2 3; } svg .tolerance { fill: #e4f2e1; }
svg .cue { stroke-width: 1.5; cursor: pointer; } svg .cue.ok { fill: var(--good); stroke: var(--good); } svg .cue.off { fill: var(--bad); stroke: var(--bad); }
svg .cue.outside { fill: #fff; } svg .cue.unmatched { fill: #fff; stroke: var(--warn); }
.legend { font-size: 12px; color: var(--muted); } .legend .key { display: inline-block; width: 14px; height: 4px; margin: 0 4px 2px 12px; vertical-align: middle; }
.key.loudness { background: #2f5fa8; } .key.target { background: var(--good); } .key.integrated { background: var(--accent); }
.key.speech { background: #7cb342; } .key.clipped { background: var(--bad); opacity: .5; } .key.shot { background: #d6d2c8; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); padding: 6px 8px; white-space: nowrap; }
td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
tr[data-seek] { cursor: pointer; } tr[data-seek]:hover td { background: #f3f1ea; }
td.number { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.ok { color: var(--good); } td.off { color: var(--bad); font-weight: 600; }
table.shots td.thumb img { width: 160px; border-radius: 4px; display: block; }
table.shots .id { font: 12px ui-monospace, monospace; } table.shots td.line { max-width: 280px; }
tr.flagged td { background: #fff6f5; } td.problems { color: var(--bad); font-size: 12.5px; }
.yes { color: var(--good); font-weight: 700; } .no { color: var(--bad); font-weight: 700; }
.ok { color: var(--good); } .none { color: var(--muted); font-style: italic; }
.score.s5, .score.s4 { color: var(--good); } .score.s3 { color: var(--warn); } .score.s2, .score.s1 { color: var(--bad); }
details { margin: 6px 0; } summary { cursor: pointer; padding: 4px 0; }
ol.plan-shots { padding-left: 22px; } li.shot { margin: 8px 0; } li.shot .who { font-size: 13px; color: var(--accent); }
li.shot .action { font-size: 13px; } ul.lines { margin: 4px 0; padding-left: 18px; font-size: 13px; }
.speaker { font-weight: 600; text-transform: uppercase; font-size: 11.5px; letter-spacing: .5px; margin-right: 4px; }
.summary-text { color: var(--muted); font-size: 13.5px; } ul.cast li { margin: 4px 0; font-size: 13.5px; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 0 30px; }
"""

LOCAL_SUBTITLES = """
(function () {
  if (location.protocol !== 'file:') { return; }
  var track = document.querySelector('#movie track');
  track.src = URL.createObjectURL(new Blob([VTT_TEXT], { type: 'text/vtt' }));
})();
"""

SCRIPT = """
(function () {
  var video = document.getElementById('movie');
  if (!video) { return; }
  // Subtitles on, whatever the browser's default for a <track>.
  if (video.textTracks.length) { video.textTracks[0].mode = 'showing'; }
  document.querySelectorAll('[data-seek]').forEach(function (element) {
    element.addEventListener('click', function () {
      video.currentTime = parseFloat(element.getAttribute('data-seek'));
      video.scrollIntoView({ behavior: 'smooth', block: 'center' });
    });
  });
})();
"""
