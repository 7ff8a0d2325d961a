from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from eventflow.registry._asgi import RegistryApp
from eventflow.registry._client import RegistryClient
from eventflow.registry._controller import RegistryController
from eventflow.registry._filelog import FileSchemaLog
from eventflow.registry._store import RegistryStore
from tests.unit.registry.fakes import ToyEngine


class ForwardToTestClient(httpx.BaseTransport):
    """Lets the real RegistryClient talk to the in-process app."""

    def __init__(self, test_client: TestClient) -> None:
        self._tc = test_client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        r = self._tc.request(
            request.method, str(request.url), content=request.read(), headers=dict(request.headers)
        )
        return httpx.Response(r.status_code, headers=dict(r.headers), content=r.content)


class Harness:
    def __init__(self, path, users=None, max_body_bytes=64 * 1024):
        self.path = path
        self.engine = ToyEngine()
        self.store = RegistryStore(FileSchemaLog(path), write_timeout_s=10)
        self.store.start(timeout_s=10)
        self.app = RegistryApp(
            RegistryController(self.store, self.engine), users=users, max_body_bytes=max_body_bytes
        )
        self.http = TestClient(self.app, base_url="http://registry")

    def client(self, basic_auth=None) -> RegistryClient:
        return RegistryClient(
            "http://registry", basic_auth=basic_auth, transport=ForwardToTestClient(self.http)
        )

    def close(self):
        self.http.close()
        self.store.close()


@pytest.fixture
def harness(tmp_path):
    h = Harness(tmp_path / "schemas.log")
    yield h
    h.close()
