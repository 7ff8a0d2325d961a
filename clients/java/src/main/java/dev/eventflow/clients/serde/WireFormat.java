package dev.eventflow.clients.serde;

import java.nio.ByteBuffer;

/**
 * Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the
 * Avro binary encoding of the value (no container, no schema).
 */
public final class WireFormat {
  public static final byte MAGIC = 0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** The 5-byte header for {@code schemaId}. */
  public static byte[] header(int schemaId) {
    return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC).putInt(schemaId).array();
  }

  /** The schema id of a framed value, or a {@link SerdeException} saying what is wrong. */
  public static int schemaId(byte[] framed) {
    if (framed.length < HEADER_SIZE) {
      throw new SerdeException(
          "value of " + framed.length + " bytes is too short for the Confluent wire format"
              + " (magic byte + 4-byte schema id + Avro body)");
    }
    if (framed[0] != MAGIC) {
      throw new SerdeException(
          "value does not start with the Confluent magic byte 0 (found " + (framed[0] & 0xff)
              + "): not written by a schema-registry serializer");
    }
    return ByteBuffer.wrap(framed, 1, 4).getInt();
  }
}
