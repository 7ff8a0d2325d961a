"""CLI output for pipes: no wrapping, no markup; trace's row as JSON values."""

from __future__ import annotations

import io

from rich.console import Console

from eventflow.cli import _render as render
from eventflow.cli._trace import _row_json


def test_long_lines_are_not_wrapped_and_carry_no_markup_when_not_a_terminal():
    out = io.StringIO()
    console = Console(file=out, highlight=False, soft_wrap=render.console.soft_wrap, width=80)
    line = "x" * 300 + " [yellow]warned[/]"
    console.print(line)
    assert out.getvalue() == "x" * 300 + " warned\n"


def test_trace_row_json_columns_are_json_values_not_text():
    row = {"event_id": "e", "payload": '{"bio": "hi"}', "validation": None, "enrichment": "[]"}
    assert _row_json(row) == {
        "event_id": "e",
        "payload": {"bio": "hi"},
        "validation": None,
        "enrichment": [],
    }
    assert _row_json(None) is None
