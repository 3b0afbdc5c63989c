"""The summary printed by `movieagent eval`: one row per headline number, marked by its verdict."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from movieagent.eval.report import EvalReport

VERDICT_STYLES = {"good": ("✓", "green"), "warn": ("!", "yellow"), "bad": ("✗", "bold red"), "info": ("·", "dim")}


def summary_table(report: EvalReport) -> Table:
    table = Table(title=f"{report.title}: {len(report.shots)} shots, {report.duration_s:.1f} s", title_justify="left")
    table.add_column("", justify="center")
    table.add_column("area")
    table.add_column("metric", ratio=1)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("target", justify="right", no_wrap=True, style="dim")
    previous_area = None
    for row in report.summary:
        symbol, style = VERDICT_STYLES[row.verdict]
        # Text objects keep brackets in ids and file names from being read as rich markup.
        metric = Text(row.metric)
        if row.note:
            metric.append(f"\n{row.note}", style="dim")
        table.add_row(
            Text(symbol, style=style),
            Text(row.area if row.area != previous_area else ""),
            metric,
            Text(row.value, style="" if row.verdict == "info" else style),
            Text(row.target),
        )
        previous_area = row.area
    return table
