package dev.eventflow.clients.serde;

import dev.eventflow.clients.contracts.ContractCatalog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Generated SpecificRecord instances to Confluent wire bytes, for subject
 * {@code <topic>-<record full name>} (TopicRecordNameStrategy, see docs/adr/0002).
 *
 * <p>The schema id is looked up ONCE per subject and class with {@code POST /subjects/{subject}}:
 * the record's contract text as kept in git plus its schema references (each shared type
 * looked up under its own subject the same way). It never registers: a subject without that
 * schema is an error telling to run {@code eventflow schema register}. The registered schema
 * must also be the one the class was generated from (same Avro parsing canonical form).
 */
public final class SpecificAvroSerializer implements Serializer<SpecificRecord> {
  public static final String CONTRACTS_DIR_CONFIG = "eventflow.contracts.dir";

  private RegistryClient registry;
  private WriterSchemas schemas;
  private ContractCatalog contracts;
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();
  private final Map<String, Integer> referenceVersions = new ConcurrentHashMap<>();

  /** For Kafka's reflective construction; {@link #configure} must follow. */
  public SpecificAvroSerializer() {}

  public SpecificAvroSerializer(WriterSchemas schemas, ContractCatalog contracts) {
    this.schemas = schemas;
    this.registry = schemas.registry();
    this.contracts = contracts;
  }

  /**
   * {@code schema.registry.url} is required; the contracts are the ones in the jar unless
   * {@code eventflow.contracts.dir} names a folder laid out like {@code schemas/avro/}.
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object url = configs.get(SpecificAvroDeserializer.REGISTRY_URL_CONFIG);
    if (url == null) {
      throw new SerdeException(SpecificAvroDeserializer.REGISTRY_URL_CONFIG + " is not set");
    }
    registry = new RegistryClient(url.toString());
    schemas = new WriterSchemas(registry);
    Object dir = configs.get(CONTRACTS_DIR_CONFIG);
    contracts = dir == null || dir.toString().isEmpty()
        ? ContractCatalog.fromClasspath()
        : ContractCatalog.fromDirectory(java.nio.file.Path.of(dir.toString()));
  }

  public static String subjectFor(String topic, Schema schema) {
    return topic + "-" + schema.getFullName();
  }

  @Override
  public byte[] serialize(String topic, SpecificRecord record) {
    if (record == null) {
      return null;
    }
    Schema schema = record.getSchema();
    int id = schemaId(subjectFor(topic, schema), schema);
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(WireFormat.header(id));
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    SpecificDatumWriter<SpecificRecord> writer =
        new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema));
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException | AvroRuntimeException | NullPointerException | ClassCastException exc) {
      throw new SerdeException(schema.getFullName() + " does not fit its schema: " + exc, exc);
    }
    return out.toByteArray();
  }

  /** The id of {@code schema}'s contract under {@code subject} (looked up once, cached). */
  public int schemaId(String subject, Schema schema) {
    String key = subject + "\u0000" + SchemaNormalization.parsingFingerprint64(schema);
    Integer cached = ids.get(key);
    if (cached != null) {
      return cached;
    }
    String record = schema.getFullName();
    long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    int found;
    try {
      found = registry.lookup(subject, contracts.schemaText(record), references(record)).id();
    } catch (SerdeException exc) {
      if (exc.isTransient()) {
        throw exc;
      }
      // held with other metadata or rules than the latest version's, or with other reference
      // versions: the version whose schema is this class's, newest first (as the Python
      // serializer does)
      found = versionWithFingerprint(subject, record, fingerprint, exc);
    }
    if (SchemaNormalization.parsingFingerprint64(schemas.byId(found)) != fingerprint) {
      throw new SerdeException("subject " + subject + " holds the contract of " + record
          + " as schema id " + found + ", but class " + record
          + " was generated from another version of it; rebuild with the same contracts");
    }
    ids.putIfAbsent(key, found);
    return found;
  }

  private int versionWithFingerprint(
      String subject, String record, long fingerprint, SerdeException lookup) {
    List<Integer> numbers;
    try {
      numbers = registry.versions(subject);
    } catch (SerdeException exc) {
      if (exc.isTransient()) {
        throw exc;
      }
      numbers = List.of();
    }
    for (int i = numbers.size() - 1; i >= 0; i--) {
      int id = registry.version(subject, numbers.get(i)).id();
      if (SchemaNormalization.parsingFingerprint64(schemas.byId(id)) == fingerprint) {
        return id;
      }
    }
    throw new SerdeException("subject " + subject + " has no version with the contract of "
        + record + " (" + lookup.getMessage() + "); register it first with "
        + "`eventflow schema register`: this serializer never registers", lookup);
  }

  private List<SchemaReference> references(String record) {
    List<SchemaReference> refs = new ArrayList<>();
    for (String shared : contracts.references(record)) {
      Integer version = referenceVersions.get(shared);
      if (version == null) {
        RegisteredSchema held =
            registry.lookup(shared, contracts.schemaText(shared), references(shared));
        version = held.version();
        referenceVersions.put(shared, version);
      }
      refs.add(new SchemaReference(shared, shared, version));
    }
    return refs;
  }
}
