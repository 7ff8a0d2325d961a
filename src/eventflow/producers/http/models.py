"""The JSON bodies of the ingest API (pydantic models; they also feed the OpenAPI document)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EventIn(BaseModel):
    """One event as a client posts it."""

    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(min_length=1, max_length=200, examples=["order.placed"])
    data: dict[str, Any] = Field(description="The event's business fields (its Avro payload).")
    event_id: UUID | None = Field(
        default=None, description="Client-chosen event id; also an idempotency key."
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened (ISO-8601 with zone); default: now."
    )
    correlation_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="Default: the event id."
    )
    causation_id: str | None = Field(default=None, min_length=1, max_length=200)


class BatchIn(BaseModel):
    """Several events; each is accepted or rejected on its own."""

    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(min_length=1)


class Accepted(BaseModel):
    """The broker acknowledged the event (acks=all) at this position."""

    event_id: str
    topic: str
    partition: int
    offset: int


class FieldError(BaseModel):
    path: str
    message: str


class Problem(BaseModel):
    """Why a request (or one record of a batch) was refused."""

    error: str
    message: str
    fields: list[FieldError] | None = None


class RecordResult(BaseModel):
    """The outcome of one record of a batch, in request order."""

    index: int
    status: int
    event_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    error: str | None = None
    message: str | None = None
    fields: list[FieldError] | None = None


class BatchResult(BaseModel):
    accepted: int
    rejected: int
    results: list[RecordResult]


class EventTypeInfo(BaseModel):
    event_type: str
    record: str
    subject: str
    partition_key: str
    example: dict[str, Any]
