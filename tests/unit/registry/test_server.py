"""The composition root: basic-auth users setting, file storage start-up."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from eventflow.config import RegistryServerSettings
from eventflow.errors import ConfigError
from eventflow.registry._server import parse_users, start_registry


def test_users_are_parsed_and_bad_entries_name_the_setting():
    assert parse_users(None) == {}
    assert parse_users("alice:pw, bob:p:w") == {"alice": "pw", "bob": "p:w"}
    with pytest.raises(ConfigError, match="BASIC_AUTH_USERS entry 2 must be user:password"):
        parse_users("alice:pw,bob")


def test_start_registry_with_file_storage_serves_the_replayed_log(tmp_path):
    settings = RegistryServerSettings(storage="file", file=tmp_path / "s.log")
    running = start_registry(settings, None)
    with TestClient(running.app) as http:
        schema = '{"type":"record","name":"A","fields":[{"name":"a","type":"int"}]}'
        assert http.post("/subjects/a/versions", json={"schema": schema}).json() == {"id": 1}
    running.close()
    again = start_registry(settings, None)
    with TestClient(again.app) as http:
        assert http.get("/subjects").json() == ["a"]
    again.close()
