package dev.eventflow.clients.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * A decoded record as plain JSON, field by field along its schema: decimals as exact decimal
 * strings ({@code "19.90"}), timestamps as ISO-8601 UTC with milliseconds, enums as their symbol,
 * uuids as text, bytes as base64, unions as the bare branch value (no Avro JSON wrapping).
 */
public final class RecordJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(java.time.ZoneOffset.UTC);

  private RecordJson() {}

  public static ObjectNode of(IndexedRecord record) {
    return (ObjectNode) value(record.getSchema(), record);
  }

  static JsonNode value(Schema schema, Object datum) {
    if (datum == null) {
      return NODES.nullNode();
    }
    LogicalType logical = schema.getLogicalType();
    switch (schema.getType()) {
      case UNION:
        return value(branchOf(schema, datum), datum);
      case RECORD:
        IndexedRecord record = (IndexedRecord) datum;
        ObjectNode object = NODES.objectNode();
        for (Schema.Field field : schema.getFields()) {
          object.set(field.name(), value(field.schema(), record.get(field.pos())));
        }
        return object;
      case ARRAY:
        ArrayNode array = NODES.arrayNode();
        for (Object item : (Collection<?>) datum) {
          array.add(value(schema.getElementType(), item));
        }
        return array;
      case MAP:
        ObjectNode map = NODES.objectNode();
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) datum).entrySet()) {
          map.set(entry.getKey().toString(), value(schema.getValueType(), entry.getValue()));
        }
        return map;
      case ENUM:
      case STRING:
        return NODES.textNode(datum.toString());
      case BYTES:
      case FIXED:
        if (datum instanceof BigDecimal decimal) {
          return NODES.textNode(decimal.toPlainString());
        }
        if (logical instanceof LogicalTypes.Decimal decimalType) {
          return NODES.textNode(decimalOf(datum, decimalType).toPlainString());
        }
        return NODES.textNode(Base64.getEncoder().encodeToString(bytesOf(datum)));
      case INT:
        if (datum instanceof LocalDate date) {
          return NODES.textNode(date.toString());
        }
        return NODES.numberNode(((Number) datum).intValue());
      case LONG:
        if (datum instanceof Instant instant) {
          return NODES.textNode(MILLIS.format(instant));
        }
        return NODES.numberNode(((Number) datum).longValue());
      case FLOAT:
        return NODES.numberNode(((Number) datum).floatValue());
      case DOUBLE:
        return NODES.numberNode(((Number) datum).doubleValue());
      case BOOLEAN:
        return NODES.booleanNode((Boolean) datum);
      case NULL:
        return NODES.nullNode();
      default:
        throw new IllegalArgumentException("unsupported Avro type " + schema.getType());
    }
  }

  /** The branch of a union a non-null value is in (the one non-null branch, if one). */
  private static Schema branchOf(Schema union, Object datum) {
    Schema only = null;
    for (Schema branch : union.getTypes()) {
      if (branch.getType() != Schema.Type.NULL) {
        if (only != null) {
          return union.getTypes().get(GenericData.get().resolveUnion(union, datum));
        }
        only = branch;
      }
    }
    return only;
  }

  private static byte[] bytesOf(Object datum) {
    if (datum instanceof ByteBuffer buffer) {
      ByteBuffer copy = buffer.duplicate();
      byte[] out = new byte[copy.remaining()];
      copy.get(out);
      return out;
    }
    return ((GenericFixed) datum).bytes();
  }

  private static BigDecimal decimalOf(Object datum, LogicalTypes.Decimal type) {
    return new BigDecimal(new java.math.BigInteger(bytesOf(datum)), type.getScale());
  }
}
