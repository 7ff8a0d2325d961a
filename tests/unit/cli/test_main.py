from __future__ import annotations

from click.testing import CliRunner

from eventflow import __version__
from eventflow.cli import main


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"eventflow, version {__version__}"


def test_help_lists_the_command_groups():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "topics", "schema"):
        assert f"  {command} " in result.output


def test_an_invalid_setting_is_named_and_exits_2():
    result = CliRunner().invoke(
        main, ["dev", "status"], env={"EVENTFLOW_DEV__KAFKA_PORT": "seventy"}
    )
    assert result.exit_code == 2
    assert (
        "invalid setting EVENTFLOW_DEV__KAFKA_PORT: Input should be a valid integer"
        in result.output
    )
