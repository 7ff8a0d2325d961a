package dev.eventflow.clients.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The contracts as kept in git ({@code schemas/avro/}: {@code manifest.yaml} and the
 * {@code .avsc} files it names), read from the jar (where the build copies them) or from a
 * folder. Tells a service the topics, the event types with their key fields, and for each
 * record the exact schema text and the shared types it refers to: what {@code eventflow schema
 * register} registered, so a serializer can look its schema id up without registering.
 */
public final class ContractCatalog {
  /** Where the build puts {@code schemas/avro} inside the jar. */
  public static final String RESOURCE_ROOT = "eventflow-contracts/";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String origin;
  private final List<String> pipelineTopics = new ArrayList<>();
  private final Map<String, EventTypeContract> eventTypes = new LinkedHashMap<>();
  /** record full name -> file (relative to the contracts folder) */
  private final Map<String, String> files = new LinkedHashMap<>();
  /** shared type full name -> file */
  private final Map<String, String> sharedTypes = new LinkedHashMap<>();
  private final Map<String, String> texts = new LinkedHashMap<>();
  private final Map<String, NamedTypes> names = new LinkedHashMap<>();

  private interface Source {
    String read(String relative) throws IOException;
  }

  private ContractCatalog(String origin, Source source) {
    this.origin = origin;
    JsonNode manifest;
    try {
      manifest = YAML.readTree(source.read("manifest.yaml"));
    } catch (IOException exc) {
      throw new UncheckedIOException(origin + "manifest.yaml: " + exc.getMessage(), exc);
    }
    manifest.path("pipeline_topics").forEach(t -> pipelineTopics.add(t.asText()));
    for (JsonNode shared : manifest.path("shared_types")) {
      sharedTypes.put(required(shared, "record"), required(shared, "file"));
      files.put(required(shared, "record"), required(shared, "file"));
    }
    for (JsonNode event : manifest.path("event_types")) {
      EventTypeContract contract = new EventTypeContract(required(event, "event_type"),
          required(event, "record"), required(event, "file"), required(event, "partition_key"));
      eventTypes.put(contract.eventType(), contract);
      files.put(contract.record(), contract.file());
    }
    JsonNode deadLetter = manifest.path("dead_letter");
    if (deadLetter.isObject()) {
      files.put(required(deadLetter, "record"), required(deadLetter, "file"));
    }
    for (Map.Entry<String, String> entry : files.entrySet()) {
      String file = entry.getValue();
      try {
        String text = source.read(file);
        texts.put(entry.getKey(), text);
        names.put(entry.getKey(), NamedTypes.of(JSON.readTree(text)));
      } catch (IOException exc) {
        throw new UncheckedIOException(origin + file + ": " + exc.getMessage(), exc);
      }
    }
  }

  /** The contracts copied into the jar at build time. */
  public static ContractCatalog fromClasspath() {
    ClassLoader loader = ContractCatalog.class.getClassLoader();
    return new ContractCatalog("classpath:" + RESOURCE_ROOT, relative -> {
      try (InputStream in = loader.getResourceAsStream(RESOURCE_ROOT + relative)) {
        if (in == null) {
          throw new NoSuchFileException(RESOURCE_ROOT + relative + " is not in the jar");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    });
  }

  /** The contracts in a folder laid out like {@code schemas/avro/}. */
  public static ContractCatalog fromDirectory(Path root) {
    return new ContractCatalog(root + "/",
        relative -> Files.readString(root.resolve(relative), StandardCharsets.UTF_8));
  }

  public List<String> pipelineTopics() {
    return List.copyOf(pipelineTopics);
  }

  /** Every file the manifest names, shared types first (the order to parse them in). */
  public List<String> files() {
    return List.copyOf(new java.util.LinkedHashSet<>(files.values()));
  }

  public EventTypeContract eventType(String eventType) {
    EventTypeContract found = eventTypes.get(eventType);
    if (found == null) {
      throw new IllegalArgumentException(
          "event type " + eventType + " is not in " + origin + "manifest.yaml (known: "
              + eventTypes.keySet() + ")");
    }
    return found;
  }

  /** The schema text of {@code record} exactly as in its file. */
  public String schemaText(String record) {
    String text = texts.get(record);
    if (text == null) {
      throw new IllegalArgumentException(record + " is not a record named in " + origin
          + "manifest.yaml");
    }
    return text;
  }

  /**
   * The shared types {@code record}'s file uses by name, in the order {@code eventflow schema
   * register} lists them as schema references (by the path of the file defining them); each
   * is registered under its full name (RecordNameStrategy).
   */
  public List<String> references(String record) {
    schemaText(record);
    TreeSet<String> byFile = new TreeSet<>();
    Map<String, String> recordOfFile = new LinkedHashMap<>();
    for (String used : names.get(record).used) {
      String owner = ownerOf(used);
      if (owner == null) {
        throw new IllegalArgumentException(origin + files.get(record) + " uses type " + used
            + ", which no shared type of the manifest defines");
      }
      byFile.add(sharedTypes.get(owner));
      recordOfFile.put(sharedTypes.get(owner), owner);
    }
    List<String> ordered = new ArrayList<>();
    byFile.forEach(file -> ordered.add(recordOfFile.get(file)));
    return ordered;
  }

  private String ownerOf(String typeName) {
    for (String shared : sharedTypes.keySet()) {
      if (names.get(shared).defined.contains(typeName)) {
        return shared;
      }
    }
    return null;
  }

  private String required(JsonNode entry, String key) {
    JsonNode value = entry.get(key);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(origin + "manifest.yaml: an entry has no " + key
          + ": " + entry);
    }
    return value.asText();
  }
}
