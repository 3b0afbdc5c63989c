"""`movieagent studio`: its options reach the server, which binds to loopback unless told otherwise."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import movieagent.studio
from movieagent.cli import app


def test_studio_command_serves_the_projects_folder_on_loopback_by_default(monkeypatch, tmp_path):
    served: list[tuple[Path, str, int]] = []
    monkeypatch.setattr(movieagent.studio, "serve", lambda projects, *, host, port: served.append((projects, host, port)))

    result = CliRunner().invoke(app, ["studio", "--projects", str(tmp_path / "projects")])
    assert result.exit_code == 0, result.output
    assert served == [(tmp_path / "projects", "127.0.0.1", 7860)]

    result = CliRunner().invoke(app, ["studio", "--port", "8123", "--host", "0.0.0.0", "--projects", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert served[-1] == (tmp_path, "0.0.0.0", 8123)
