"""`eventflow serve api`: options reach uvicorn; bad configuration exits 2 with one line."""

from __future__ import annotations

import json

import uvicorn
from click.testing import CliRunner

from eventflow.cli import main
from eventflow.producers.http._auth import hash_key


def test_serve_api_runs_the_factory_with_cli_options(monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("EVENTFLOW_API__KEYS", json.dumps([{"name": "a", "sha256": hash_key("k")}]))
    result = CliRunner().invoke(main, ["serve", "api", "--port", "9123", "--workers", "2"])
    assert result.exit_code == 0, result.output
    app, options = calls[0]
    assert app == "eventflow.producers.http:create_app"
    assert options["factory"] is True
    assert (options["port"], options["workers"], options["host"]) == (9123, 2, "127.0.0.1")
    assert options["access_log"] is False


def test_serve_api_warns_without_keys(monkeypatch):
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    monkeypatch.delenv("EVENTFLOW_API__KEYS", raising=False)
    result = CliRunner().invoke(main, ["serve", "api"])
    assert result.exit_code == 0
    assert "no API keys configured" in result.output


def test_bad_keys_file_exits_2_naming_file_and_line(monkeypatch, tmp_path):
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    keys = tmp_path / "keys.yaml"
    keys.write_text("- name: ok\n  sha256: nothex\n")
    monkeypatch.setenv("EVENTFLOW_API__KEYS_FILE", str(keys))
    result = CliRunner().invoke(main, ["serve", "api"])
    assert result.exit_code == 2
    assert f"{keys}:1: keys[0].sha256" in result.output


def test_invalid_api_setting_exits_2(monkeypatch):
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    monkeypatch.setenv("EVENTFLOW_API__MAX_BATCH", "0")
    result = CliRunner().invoke(main, ["serve", "api"])
    assert result.exit_code == 2
    assert "EVENTFLOW_API__MAX_BATCH" in result.output
