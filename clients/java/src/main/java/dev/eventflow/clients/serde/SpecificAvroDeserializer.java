package dev.eventflow.clients.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Confluent wire bytes to generated SpecificRecord instances.
 *
 * <p>The writer schema is fetched by the id in the header (once per id) and resolved into the
 * generated class of the same full name found on the classpath, so a service reads every
 * compatible version of a contract with the classes it was built with: fields it does not know
 * are skipped, fields the writer lacked get their defaults. As a Kafka {@link Deserializer} it
 * is configured with {@code schema.registry.url}.
 */
public final class SpecificAvroDeserializer implements Deserializer<SpecificRecord> {
  public static final String REGISTRY_URL_CONFIG = "schema.registry.url";

  /** A decoded value with the schema id it was written with. */
  public record Decoded(int schemaId, Schema writerSchema, SpecificRecord value) {}

  private record Reader(Schema writer, SpecificDatumReader<SpecificRecord> datumReader) {}

  private WriterSchemas schemas;
  private final Map<Integer, Reader> readers = new ConcurrentHashMap<>();

  /** For Kafka's reflective construction; {@link #configure} must follow. */
  public SpecificAvroDeserializer() {}

  public SpecificAvroDeserializer(WriterSchemas schemas) {
    this.schemas = schemas;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object url = configs.get(REGISTRY_URL_CONFIG);
    if (url == null) {
      throw new SerdeException(REGISTRY_URL_CONFIG + " is not set");
    }
    schemas = new WriterSchemas(new RegistryClient(url.toString()));
  }

  @Override
  public SpecificRecord deserialize(String topic, byte[] data) {
    return data == null ? null : decode(data).value();
  }

  /** Decode one framed value; a {@link SerdeException} names what is wrong with it. */
  public Decoded decode(byte[] framed) {
    int id = WireFormat.schemaId(framed);
    Reader reader = readers.computeIfAbsent(id, this::readerFor);
    BinaryDecoder decoder =
        DecoderFactory.get().binaryDecoder(framed, WireFormat.HEADER_SIZE,
            framed.length - WireFormat.HEADER_SIZE, null);
    SpecificRecord value;
    try {
      value = reader.datumReader().read(null, decoder);
      if (!decoder.isEnd()) {
        throw new SerdeException("value with schema id " + id + " has bytes left after the "
            + reader.writer().getFullName() + " record: it was not written with that schema");
      }
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException exc) {
      throw new SerdeException("value with schema id " + id + " is not a valid "
          + reader.writer().getFullName() + ": " + exc, exc);
    }
    return new Decoded(id, reader.writer(), value);
  }

  private Reader readerFor(int id) {
    Schema writer = schemas.byId(id);
    if (writer.getType() != Schema.Type.RECORD) {
      throw new SerdeException("schema id " + id + " is a " + writer.getType()
          + ", not a record: no generated class reads it");
    }
    SpecificData model = SpecificData.get();
    Class<?> type = model.getClass(writer);
    if (type == null || !SpecificRecord.class.isAssignableFrom(type)) {
      throw new SerdeException("schema id " + id + " is " + writer.getFullName()
          + ", for which no generated class is on the classpath (rebuild with the contract)");
    }
    SpecificData classModel = SpecificData.getForClass(type);
    Schema readerSchema = classModel.getSchema(type);
    SchemaCompatibility.SchemaPairCompatibility pair =
        SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
    if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      throw new SerdeException("class " + type.getName() + " cannot read schema id " + id + ": "
          + pair.getResult().getIncompatibilities());
    }
    return new Reader(writer, new SpecificDatumReader<>(writer, readerSchema, classModel));
  }
}
