"""API keys (hashed, from env JSON or a file) and the per-key token bucket."""

from __future__ import annotations

import pytest

from eventflow.config import ApiKeySettings
from eventflow.producers.http import _auth as auth
from eventflow.producers.http._auth import KeyRing, hash_key, load_keys, parse_keys_file
from eventflow.producers.http._problems import ApiKeysInvalid, Forbidden, Unauthorized
from eventflow.producers.http._ratelimit import RateLimiter, retry_after_header


def test_keys_are_matched_by_sha256_and_scoped_to_event_types():
    ring = KeyRing(
        [ApiKeySettings(name="shop", sha256=hash_key("s3cret"), event_types=["order.placed"])]
    )
    principal = ring.authenticate("s3cret")
    assert principal.name == "shop"
    assert principal.may_send("order.placed") and not principal.may_send("user.registered")
    with pytest.raises(Forbidden, match=r"may not send event type 'user\.registered'"):
        principal.check("user.registered")
    with pytest.raises(Unauthorized, match="missing"):
        ring.authenticate(None)
    with pytest.raises(Unauthorized, match="unknown"):
        ring.authenticate(hash_key("s3cret"))  # the hash itself is not a key


def test_an_accepted_key_is_not_hashed_again_and_unknown_keys_are_not_remembered(monkeypatch):
    ring = KeyRing([ApiKeySettings(name="shop", sha256=hash_key("s3cret"), event_types=["*"])])
    hashed: list[str] = []
    real = auth.hash_key

    def counting(key: str) -> str:
        hashed.append(key)
        return real(key)

    monkeypatch.setattr(auth, "hash_key", counting)
    for _ in range(3):
        assert ring.authenticate("s3cret").name == "shop"
    assert hashed == ["s3cret"]
    for _ in range(2):
        with pytest.raises(Unauthorized, match="unknown"):
            ring.authenticate("guess")
    assert hashed == ["s3cret", "guess", "guess"]  # refused keys are hashed every time


def test_duplicate_hashes_are_refused():
    digest = hash_key("same")
    with pytest.raises(ApiKeysInvalid, match="'a' and 'b' have the same hash"):
        KeyRing([ApiKeySettings(name="a", sha256=digest), ApiKeySettings(name="b", sha256=digest)])


def test_keys_file_yaml_and_json(tmp_path):
    yaml_file = tmp_path / "keys.yaml"
    yaml_file.write_text(f"keys:\n  - name: ops\n    sha256: {hash_key('k1')}\n")
    json_file = tmp_path / "keys.json"
    json_file.write_text(
        f'[{{"name": "bi", "sha256": "{hash_key("k2")}", "event_types": ["a.b"]}}]'
    )
    assert [k.event_types for k in parse_keys_file(yaml_file)] == [["*"]]
    inline = [ApiKeySettings(name="inline", sha256=hash_key("k0"))]
    ring = KeyRing(load_keys(inline, json_file))
    assert ring.authenticate("k2").event_types == frozenset({"a.b"})
    assert ring.authenticate("k0").name == "inline"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("keys.yaml", "keys: [\n", "not valid YAML"),
        ("keys.json", "{", "not valid JSON"),
        ("keys.yaml", "name: x\n", "must be a list"),
        ("keys.yaml", "keys:\n  - name: x\n    sha256: abc\n", r"keys.yaml:2: keys\[0\].sha256"),
        (
            "keys.yaml",
            "- name: ok\n  sha256: " + "a" * 64 + "\n- sha256: " + "a" * 64 + "\n",
            r"keys.yaml:3: keys\[1\].name: Field required",
        ),
    ],
)
def test_bad_keys_files_name_the_file_and_entry(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ApiKeysInvalid, match=message) as info:
        parse_keys_file(path)
    assert str(path) in str(info.value)


def test_missing_keys_file(tmp_path):
    with pytest.raises(ApiKeysInvalid, match="cannot read the API keys file"):
        parse_keys_file(tmp_path / "none.yaml")


def test_token_bucket_allows_burst_then_refills_at_rate():
    limiter = RateLimiter(rate_per_second=2.0, burst=3)
    assert [limiter.acquire("k", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("k", 0.0)
    assert wait == pytest.approx(0.5)
    assert retry_after_header(wait) == 1
    assert limiter.acquire("other", 0.0) == 0.0
    assert limiter.acquire("k", 0.5) == 0.0
    assert limiter.acquire("k", 0.5) > 0


def test_rate_zero_disables_limiting():
    limiter = RateLimiter(rate_per_second=0, burst=1)
    assert all(limiter.acquire("k", 0.0) == 0.0 for _ in range(100))
