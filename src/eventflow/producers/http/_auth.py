"""API keys: configured as SHA-256 hashes, each with the event types it may send.

Keys come from ``EVENTFLOW_API__KEYS`` (a JSON list) and/or ``EVENTFLOW_API__KEYS_FILE`` (a
JSON or YAML list of the same entries). A request's key is hashed and looked up; the plain
key is never stored. ``hash_key`` gives the digest to put in configuration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from eventflow.config import ApiKeySettings
from eventflow.producers.http._problems import ApiKeysInvalid, Forbidden, Unauthorized

ANY_EVENT_TYPE = "*"


def hash_key(plain: str) -> str:
    """The SHA-256 hex digest under which a key is configured."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who sent a request: the key's name (the events' ``source``) and what it may send."""

    name: str
    event_types: frozenset[str]

    def may_send(self, event_type: str) -> bool:
        return ANY_EVENT_TYPE in self.event_types or event_type in self.event_types

    def check(self, event_type: str) -> None:
        if not self.may_send(event_type):
            raise Forbidden(f"API key {self.name!r} may not send event type {event_type!r}")


class KeyRing:
    """Looks up the principal of a presented key by its hash."""

    def __init__(self, keys: Iterable[ApiKeySettings]) -> None:
        self._by_hash: dict[str, Principal] = {}
        # Keys already accepted once, so a known key is not hashed on every request. Only
        # accepted keys enter it, so it holds at most one entry per configured key.
        self._accepted: dict[str, Principal] = {}
        for key in keys:
            if key.sha256 in self._by_hash:
                other = self._by_hash[key.sha256].name
                raise ApiKeysInvalid(f"API keys {other!r} and {key.name!r} have the same hash")
            self._by_hash[key.sha256] = Principal(key.name, frozenset(key.event_types))

    def __len__(self) -> int:
        return len(self._by_hash)

    def authenticate(self, presented: str | None) -> Principal:
        if not presented:
            raise Unauthorized("missing API key: send it in the X-API-Key header")
        principal = self._accepted.get(presented)
        if principal is not None:
            return principal
        principal = self._by_hash.get(hash_key(presented))
        if principal is None:
            raise Unauthorized("unknown API key")
        if len(self._accepted) < len(self._by_hash):
            self._accepted[presented] = principal
        return principal


def load_keys(inline: Iterable[ApiKeySettings], keys_file: Path | None) -> list[ApiKeySettings]:
    """The configured keys: the inline ones plus those of the keys file (if any)."""
    keys = list(inline)
    if keys_file is not None:
        keys.extend(parse_keys_file(keys_file))
    return keys


def parse_keys_file(path: Path) -> list[ApiKeySettings]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ApiKeysInvalid(f"{path}: cannot read the API keys file ({exc.strerror})") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ApiKeysInvalid(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from exc
    if isinstance(data, Mapping) and "keys" in data:
        data = data["keys"]
    if not isinstance(data, list):
        raise ApiKeysInvalid(f"{path}: must be a list of {{name, sha256, event_types}} entries")
    lines = [] if path.suffix == ".json" else _entry_lines(text)
    out: list[ApiKeySettings] = []
    for index, entry in enumerate(data):
        try:
            out.append(ApiKeySettings.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            at = f"{path}:{lines[index]}" if index < len(lines) else str(path)
            raise ApiKeysInvalid(f"{at}: keys[{index}].{where}: {first['msg']}") from exc
    return out


def _entry_lines(text: str) -> list[int]:
    """1-based line of each entry of a YAML keys list (top level or under ``keys:``)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if getattr(k, "value", None) == "keys"), None)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]
