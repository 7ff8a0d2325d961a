"""Which logical type a schema node carries (pure): the ones the value engine applies.

A logical type counts only on the underlying type it is defined for, and a decimal only with
a valid precision and scale (that fit its fixed size); anything else is ignored, as Java's
``LogicalTypes.fromSchemaIgnoreInvalid`` does, and the node is its plain type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from eventflow.contracts._avro_model import AvroNode

__all__ = ["LOGICAL_TYPES", "set_logical_type"]

# (underlying type, logical type) pairs the value engine converts, as fastavro does
LOGICAL_TYPES: Final = frozenset(
    {
        ("long", "timestamp-millis"),
        ("long", "timestamp-micros"),
        ("long", "local-timestamp-millis"),
        ("long", "local-timestamp-micros"),
        ("int", "date"),
        ("int", "time-millis"),
        ("long", "time-micros"),
        ("string", "uuid"),
        ("bytes", "decimal"),
        ("fixed", "decimal"),
    }
)


def set_logical_type(node: AvroNode, doc: Mapping[str, Any]) -> None:
    """Record ``doc``'s logical type on ``node`` when it is valid for ``node.type``."""
    logical = doc.get("logicalType")
    if not isinstance(logical, str) or (node.type, logical) not in LOGICAL_TYPES:
        return
    if logical == "decimal":
        precision, scale = doc.get("precision"), doc.get("scale", 0)
        if not isinstance(precision, int) or not isinstance(scale, int):
            return
        if isinstance(precision, bool) or isinstance(scale, bool) or precision <= 0:
            return
        if not 0 <= scale <= precision:
            return
        if node.type == "fixed" and precision > _max_fixed_digits(node.size):
            return
        node.precision, node.scale = precision, scale
    node.logical_type = logical


def _max_fixed_digits(size: int) -> int:
    return math.floor(math.log10(2) * (8 * size - 1)) if size > 0 else 0
