"""A synchronous client for Confluent's Schema Registry REST API v1 (ours or Confluent's).

Only the public API is used, so the same code drives ``eventflow registry serve`` and
``confluentinc/cp-schema-registry``. Errors become :class:`RegistryError` with Confluent's
``error_code``; a registry that does not answer raises :class:`RegistryUnreachable`.
"""

from __future__ import annotations

import base64
import ssl
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from eventflow.config import RegistrySettings
from eventflow.contracts import DataContract
from eventflow.errors import ConfigError
from eventflow.registry._errors import Code, RegistryError, RegistryUnreachable

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


@dataclass(frozen=True)
class SchemaReference:
    name: str
    subject: str
    version: int

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "subject": self.subject, "version": self.version}


@dataclass(frozen=True)
class RegisteredSchema:
    schema_id: int
    subject: str | None
    version: int | None
    schema: str
    references: tuple[SchemaReference, ...] = ()
    schema_type: str = "AVRO"
    metadata: dict[str, Any] | None = None  # Confluent data contract (ADR 0010)
    rule_set: dict[str, Any] | None = None


def _references(raw: object) -> tuple[SchemaReference, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        SchemaReference(str(r["name"]), str(r["subject"]), int(r["version"]))
        for r in raw
        if isinstance(r, dict)
    )


def _registered(body: Mapping[str, Any], *, schema_id: int | None = None) -> RegisteredSchema:
    return RegisteredSchema(
        schema_id=int(body["id"]) if schema_id is None else schema_id,
        subject=body.get("subject"),
        version=int(body["version"]) if body.get("version") is not None else None,
        schema=str(body.get("schema", "")),
        references=_references(body.get("references")),
        schema_type=str(body.get("schemaType", "AVRO")),
        metadata=body["metadata"] if isinstance(body.get("metadata"), dict) else None,
        rule_set=body["ruleSet"] if isinstance(body.get("ruleSet"), dict) else None,
    )


def _segment(value: str) -> str:
    return quote(value, safe="")


class RegistryClient:
    """Talks to one registry URL; thread-safe; caches schemas by id (ids are immutable)."""

    def __init__(
        self,
        url: str,
        *,
        basic_auth: str | None = None,
        bearer_token: str | None = None,
        tls: ssl.SSLContext | None = None,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": f"{CONTENT_TYPE}, application/json"}
        if basic_auth:
            token = base64.b64encode(basic_auth.encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        elif bearer_token:
            headers["Authorization"] = f"Bearer {bearer_token}"
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=timeout_s,
            transport=transport,
            verify=tls if tls is not None else True,
        )
        self._by_id: dict[int, RegisteredSchema] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        url: str,
        settings: RegistrySettings,
        *,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> RegistryClient:
        """A client with the configured credentials and TLS (EVENTFLOW_REGISTRY__*)."""
        basic = settings.basic_auth_user_info
        bearer = settings.bearer_token
        return cls(
            url,
            basic_auth=basic.get_secret_value() if basic is not None else None,
            bearer_token=bearer.get_secret_value() if bearer is not None else None,
            tls=tls_context(settings),
            timeout_s=timeout_s,
            transport=transport,
        )

    # -- transport ---------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        headers = {"Content-Type": CONTENT_TYPE} if body is not None else None
        try:
            response = self._http.request(method, path, json=body, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RegistryUnreachable(
                Code.UNKNOWN,
                f"schema registry at {self.url} did not answer {method} {path}: {exc}; "
                "start one with `eventflow registry serve` or set EVENTFLOW_REGISTRY__URL",
                http_status=0,
            ) from exc
        if response.is_success:
            return response.json() if response.content else None
        try:
            err = response.json()
            error_code = int(err.get("error_code", response.status_code))
            message = str(err.get("message", response.text))
        except (ValueError, AttributeError, TypeError):
            error_code, message = Code.UNKNOWN, response.text.strip()[:200]
        raise RegistryError(
            error_code,
            f"registry {method} {path} failed ({response.status_code}/{error_code}): {message}",
            http_status=response.status_code,
        )

    @staticmethod
    def _schema_body(
        schema: str,
        references: Sequence[SchemaReference],
        schema_type: str = "AVRO",
        contract: DataContract | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"schema": schema}
        if schema_type != "AVRO":
            body["schemaType"] = schema_type
        if references:
            body["references"] = [r.to_json() for r in references]
        if contract is not None:
            body["metadata"] = contract.metadata
            if contract.rule_set is not None:
                body["ruleSet"] = contract.rule_set
        return body

    # -- subjects and versions ---------------------------------------------------------------

    def register(
        self,
        subject: str,
        schema: str,
        references: Sequence[SchemaReference] = (),
        *,
        normalize: bool = False,
        contract: DataContract | None = None,
    ) -> int:
        """``contract``: the metadata and rule set registered with the schema (Confluent's)."""
        body = self._schema_body(schema, references, contract=contract)
        params = {"normalize": "true"} if normalize else None
        result = self._call(
            "POST", f"/subjects/{_segment(subject)}/versions", body=body, params=params
        )
        return int(result["id"])

    def lookup(
        self,
        subject: str,
        schema: str,
        references: Sequence[SchemaReference] = (),
        *,
        contract: DataContract | None = None,
    ) -> RegisteredSchema:
        body = self._schema_body(schema, references, contract=contract)
        return _registered(self._call("POST", f"/subjects/{_segment(subject)}", body=body))

    def get_schema(self, schema_id: int) -> RegisteredSchema:
        with self._lock:
            cached = self._by_id.get(schema_id)
        if cached is not None:
            return cached
        body = self._call("GET", f"/schemas/ids/{int(schema_id)}")
        found = _registered(body, schema_id=schema_id)
        with self._lock:
            self._by_id[schema_id] = found
        return found

    def get_version(self, subject: str, version: int | str = "latest") -> RegisteredSchema:
        return _registered(self._call("GET", f"/subjects/{_segment(subject)}/versions/{version}"))

    def list_versions(self, subject: str) -> list[int]:
        return [int(v) for v in self._call("GET", f"/subjects/{_segment(subject)}/versions")]

    def list_subjects(self) -> list[str]:
        return [str(s) for s in self._call("GET", "/subjects")]

    def delete_subject(self, subject: str, *, permanent: bool = False) -> list[int]:
        params = {"permanent": "true"} if permanent else None
        result = self._call("DELETE", f"/subjects/{_segment(subject)}", params=params)
        return [int(v) for v in result]

    # -- compatibility and config ------------------------------------------------------------

    def test_compatibility(
        self,
        subject: str,
        schema: str,
        references: Sequence[SchemaReference] = (),
        version: int | str = "latest",
        verbose: bool = True,
    ) -> tuple[bool, list[str]]:
        body = self._schema_body(schema, references)
        params = {"verbose": "true" if verbose else "false"}
        path = f"/compatibility/subjects/{_segment(subject)}/versions/{version}"
        result = self._call("POST", path, body=body, params=params)
        messages = result.get("messages") or []
        return bool(result["is_compatible"]), [str(m) for m in messages]

    def test_compatibility_all(
        self,
        subject: str,
        schema: str,
        references: Sequence[SchemaReference] = (),
        *,
        contract: DataContract | None = None,
    ) -> tuple[bool, list[str]]:
        """Check against the versions the subject's level covers (all of them if transitive;
        only those of the contract's compatibility group, when the subject has one)."""
        body = self._schema_body(schema, references, contract=contract)
        path = f"/compatibility/subjects/{_segment(subject)}/versions"
        result = self._call("POST", path, body=body, params={"verbose": "true"})
        return bool(result["is_compatible"]), [str(m) for m in result.get("messages") or []]

    def get_compatibility(self, subject: str | None = None) -> str:
        path = "/config" if subject is None else f"/config/{_segment(subject)}"
        params = {"defaultToGlobal": "true"} if subject is not None else None
        result = self._call("GET", path, params=params)
        return str(result.get("compatibilityLevel") or result.get("compatibility"))

    def set_compatibility(self, level: str, subject: str | None = None) -> None:
        path = "/config" if subject is None else f"/config/{_segment(subject)}"
        self._call("PUT", path, body={"compatibility": level})

    def get_config(self, subject: str | None = None) -> dict[str, Any]:
        """The whole config in scope (level, ``compatibilityGroup``, contract defaults)."""
        path = "/config" if subject is None else f"/config/{_segment(subject)}"
        params = {"defaultToGlobal": "true"} if subject is not None else None
        return dict(self._call("GET", path, params=params))

    def set_config(self, changes: dict[str, Any], subject: str | None = None) -> None:
        """PUT only the given config keys (e.g. ``{"compatibilityGroup": "major_version"}``)."""
        path = "/config" if subject is None else f"/config/{_segment(subject)}"
        self._call("PUT", path, body=changes)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def tls_context(settings: RegistrySettings) -> ssl.SSLContext | None:
    """The TLS context for the registry: its CA bundle and our client certificate, if set
    (None: httpx's default verification against the system's CAs)."""
    if settings.ca_file is None and settings.cert_file is None:
        return None
    try:
        context = ssl.create_default_context(
            cafile=str(settings.ca_file) if settings.ca_file is not None else None
        )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"EVENTFLOW_REGISTRY__CA_FILE {settings.ca_file} is not a readable PEM CA bundle "
            f"({type(exc).__name__})"
        ) from exc
    if settings.cert_file is not None and settings.key_file is not None:
        password = settings.key_password.get_secret_value() if settings.key_password else None
        try:
            context.load_cert_chain(settings.cert_file, settings.key_file, password)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"EVENTFLOW_REGISTRY__CERT_FILE {settings.cert_file} / KEY_FILE "
                f"{settings.key_file}: not a readable certificate and key ({type(exc).__name__})"
            ) from exc
    return context
