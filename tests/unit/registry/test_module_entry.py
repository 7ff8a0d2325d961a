"""``python -m eventflow.registry``: the CLI's options without importing the CLI package."""

from __future__ import annotations

import pytest

from eventflow.cli._registry import serve_command
from eventflow.registry.__main__ import main, parser

EXIT_INPUT = 2  # as the CLI: invalid input or settings


def test_takes_the_same_options_as_the_cli_command() -> None:
    cli = {opt for param in serve_command.params for opt in param.opts if opt.startswith("--")}
    ours = {
        opt
        for action in parser()._actions
        for opt in action.option_strings
        if opt.startswith("--") and opt != "--help"
    }
    assert ours == cli


def test_kafka_storage_without_a_bootstrap_is_refused(monkeypatch, capsys) -> None:
    monkeypatch.delenv("EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    assert main(["--storage", "kafka"]) == EXIT_INPUT
    assert "--bootstrap" in capsys.readouterr().err


def test_an_invalid_setting_is_named(monkeypatch, capsys) -> None:
    monkeypatch.setenv("EVENTFLOW_REGISTRY_SERVER__PORT", "not-a-port")
    assert main(["--storage", "file"]) == EXIT_INPUT
    assert "EVENTFLOW_REGISTRY_SERVER__PORT" in capsys.readouterr().err


def test_a_bad_option_value_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--storage", "tape"])
    assert exit_info.value.code == 2
