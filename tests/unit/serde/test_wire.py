import pytest

from eventflow.serde import BadMagicByte, TruncatedPayload, frame, unframe


def test_frame_writes_magic_byte_and_big_endian_id():
    assert frame(258, b"body") == b"\x00\x00\x00\x01\x02body"


def test_unframe_returns_id_and_body_view():
    schema_id, body = unframe(b"\x00\x7f\xff\xff\xffxyz")
    assert schema_id == 2**31 - 1
    assert bytes(body) == b"xyz"


def test_round_trip_of_empty_body():
    assert unframe(frame(7, b""))[0] == 7


def test_bad_magic_byte_carries_raw_payload():
    with pytest.raises(BadMagicByte) as err:
        unframe(b"\x01\x00\x00\x00\x01x")
    assert err.value.error_type == "bad_magic_byte"
    assert err.value.raw == b"\x01\x00\x00\x00\x01x"
    assert "0x01" in str(err.value)


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x00\x00\x01"])
def test_short_header_is_truncated(data):
    with pytest.raises(TruncatedPayload) as err:
        unframe(data)
    assert err.value.error_type == "truncated_payload"
    assert err.value.raw == data


def test_frame_rejects_negative_id():
    with pytest.raises(ValueError, match="outside"):
        frame(-1, b"")
