"""The vocabulary of compatibility checks: levels, incompatibility kinds, findings, results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CompatibilityLevel",
    "CompatibilityResult",
    "Incompatibility",
    "IncompatibilityType",
]


class CompatibilityLevel(StrEnum):
    """Confluent Schema Registry compatibility levels (values are the registry's names)."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")

    @property
    def checks_backward(self) -> bool:
        """New schema must read data written with the previous one(s)."""
        return self.value.startswith(("BACKWARD", "FULL"))

    @property
    def checks_forward(self) -> bool:
        """Previous schema(s) must read data written with the new one."""
        return self.value.startswith(("FORWARD", "FULL"))

    @property
    def upgrade_first(self) -> str:
        """Who must upgrade first to roll out a change this level accepts."""
        if self.value.startswith("BACKWARD"):
            return "consumers upgrade first (they read old and new data), then producers"
        if self.value.startswith("FORWARD"):
            return (
                "producers upgrade first (consumers on the old schema keep reading), then consumers"
            )
        if self.value.startswith("FULL"):
            return "consumers and producers upgrade in any order"
        return "nothing is checked: coordinate every producer and consumer by hand"


class IncompatibilityType(StrEnum):
    """Java ``SchemaCompatibility.SchemaIncompatibilityType``."""

    NAME_MISMATCH = "NAME_MISMATCH"
    FIXED_SIZE_MISMATCH = "FIXED_SIZE_MISMATCH"
    MISSING_ENUM_SYMBOLS = "MISSING_ENUM_SYMBOLS"
    READER_FIELD_MISSING_DEFAULT_VALUE = "READER_FIELD_MISSING_DEFAULT_VALUE"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    MISSING_UNION_BRANCH = "MISSING_UNION_BRANCH"


@dataclass(frozen=True)
class Incompatibility:
    """One reason a reader cannot read a writer's data.

    ``location`` is the JSON pointer Java reports (a path through the reader schema);
    ``message`` is Java's message; ``source``/``line``/``column`` point into the new
    schema's text where the problem can be placed; ``version`` is the previous version
    (1-based, oldest first) it was found against.
    """

    type: IncompatibilityType
    location: str
    message: str
    hint: str
    reader_fragment: str
    writer_fragment: str
    source: str | None = None
    line: int | None = None
    column: int | None = None
    version: int | None = None
    java_message: str = ""  # Avro Java's own message (Confluent's ``additionalInfo``)
    new_is_reader: bool = True  # False when the previous version reads the new one
    # set when Avro Java throws instead of answering (a reader field whose name and aliases
    # match several writer fields): the exception text Confluent reports
    java_exception: str | None = None


@dataclass(frozen=True)
class CompatibilityResult:
    """The verdict of a level check and every incompatibility found."""

    compatible: bool
    incompatibilities: tuple[Incompatibility, ...]
