"""The Avro value engine: the one owner of the rules for Avro values (pure, no I/O).

Compiled once per schema from the contracts' typed graph (:func:`compile_values`):

- **JSON check-and-convert** for the HTTP API: a fast form that stops at the first problem
  and a precise form that names every problem with its path, in one wording;
- a **datum checker** naming why the writer refuses a Python value;
- a **writer** generated as Python source, byte-identical to ``fastavro.schemaless_writer``;
- a **reader** (fastavro's, which is faster at reading than generated Python);
- the **record split** the consumers' splice uses (:func:`split_record`).

The API (``producers.http``), the Confluent serde (``serde.serializer``/``deserializer``), the
consumers' codec and splice and the dead letters call it; nothing else encodes Avro values.
"""

from eventflow.serde.avro._json_rules import epoch_units, parse_instant
from eventflow.serde.avro._problems import ValueProblem
from eventflow.serde.avro._program import SchemaValues, ValueRejected, compile_values
from eventflow.serde.avro._split import RecordSplit, split_record

__all__ = [
    "RecordSplit",
    "SchemaValues",
    "ValueProblem",
    "ValueRejected",
    "compile_values",
    "epoch_units",
    "parse_instant",
    "split_record",
]
