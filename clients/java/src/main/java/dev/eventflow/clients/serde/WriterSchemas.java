package dev.eventflow.clients.serde;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Writer schemas by registry id, each fetched once and cached for the life of the process (an
 * id never changes meaning). A schema registered with references is parsed after the schemas
 * it refers to, fetched by subject and version, so the result is the complete Avro schema.
 */
public final class WriterSchemas {
  private static final int MAX_DEPTH = 32;

  private final RegistryClient registry;
  private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();

  public WriterSchemas(RegistryClient registry) {
    this.registry = registry;
  }

  public RegistryClient registry() {
    return registry;
  }

  /** The complete writer schema registered under {@code id}. */
  public Schema byId(int id) {
    Schema cached = byId.get(id);
    if (cached != null) {
      return cached;
    }
    RegisteredSchema registered = registry.schemaById(id);
    Schema parsed = resolve(registered, "schema id " + id);
    byId.putIfAbsent(id, parsed);
    return parsed;
  }

  private Schema resolve(RegisteredSchema top, String label) {
    Schema.Parser parser = new Schema.Parser();
    Set<String> done = new HashSet<>();
    for (SchemaReference ref : top.references()) {
      parseReference(parser, ref, done, 1, label);
    }
    return parse(parser, top.schema(), label);
  }

  private void parseReference(
      Schema.Parser parser, SchemaReference ref, Set<String> done, int depth, String label) {
    String key = ref.subject() + "\u0000" + ref.version();
    if (!done.add(key)) {
      return;
    }
    if (depth > MAX_DEPTH) {
      throw new SerdeException("references of " + label + " nest deeper than " + MAX_DEPTH);
    }
    RegisteredSchema held = registry.version(ref.subject(), ref.version());
    for (SchemaReference inner : held.references()) {
      parseReference(parser, inner, done, depth + 1, label);
    }
    parse(parser, held.schema(),
        "reference " + ref.name() + " (" + ref.subject() + " v" + ref.version() + ") of " + label);
  }

  private static Schema parse(Schema.Parser parser, String text, String label) {
    try {
      return parser.parse(text);
    } catch (SchemaParseException exc) {
      throw new SerdeException("the registry's " + label + " is not a valid Avro schema: "
          + exc.getMessage(), exc);
    }
  }
}
