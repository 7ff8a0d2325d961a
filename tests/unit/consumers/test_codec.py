"""RegistryCodec: bad input keeps its serde error; a registry that is away is retriable."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest

from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._dead_letter import dead_letter_for
from eventflow.consumers._outcome import RetriableFailure
from eventflow.errors import ErrorCode, EventFlowError
from eventflow.serde._errors import BadMagicByte
from tests.unit.consumers.fakes import record

FRAMED = b"\x00\x00\x00\x00\x07" + b"\x02"  # schema id 7, then a body


class RegistryAway:
    """Every lookup fails the way an unreachable registry does (not a 'not found')."""

    def _fail(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise EventFlowError(
            "registry http://127.0.0.1:1 unreachable: connection refused",
            code=ErrorCode.REGISTRY_UNREACHABLE,
        )

    get_schema = get_version = list_versions = lookup = _fail


DEAD_LETTER = dead_letter_for(
    record(1), error_type="x", message="m", service="s", group="g", attempt=1
)


@pytest.mark.parametrize("tail_from", [None, "validation"])
def test_a_registry_that_is_away_makes_every_codec_call_retriable(tail_from: str | None) -> None:
    codec = RegistryCodec(RegistryAway(), tail_from=tail_from)
    calls = [
        lambda: codec.decode(FRAMED),
        lambda: codec.decode_split(FRAMED),
        lambda: codec.encode(7, {"a": 1}),
        lambda: codec.encode_dead_letter(DEAD_LETTER),
    ]
    for call in calls:
        with pytest.raises(RetriableFailure, match=r"schema registry: .*unreachable"):
            call()


@pytest.mark.parametrize("tail_from", [None, "validation"])
def test_undecodable_input_keeps_its_serde_error(tail_from: str | None) -> None:
    codec = RegistryCodec(RegistryAway(), tail_from=tail_from)
    with pytest.raises(BadMagicByte):
        codec.decode_split(b"\x01not framed")
