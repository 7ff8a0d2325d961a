package dev.eventflow.clients.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;

/**
 * The named types an Avro schema (as JSON) defines and the ones it uses without defining them:
 * the latter are its schema references. Lenient: full validation is Avro's parser's job.
 */
final class NamedTypes {
  private static final Set<String> PRIMITIVES =
      Set.of("null", "boolean", "int", "long", "float", "double", "bytes", "string");
  private static final Set<String> NAMED = Set.of("record", "error", "enum", "fixed");
  private static final Set<String> KEYWORDS =
      Set.of("null", "boolean", "int", "long", "float", "double", "bytes", "string",
          "record", "error", "enum", "fixed", "array", "map");

  final Set<String> defined = new TreeSet<>();
  final Set<String> used = new TreeSet<>();

  static NamedTypes of(JsonNode schema) {
    NamedTypes names = new NamedTypes();
    names.walk(schema, null);
    names.used.removeAll(names.defined);
    return names;
  }

  private void walk(JsonNode node, String namespace) {
    if (node == null) {
      return;
    }
    if (node.isTextual()) {
      if (!PRIMITIVES.contains(node.asText())) {
        used.add(fullName(node.asText(), namespace));
      }
      return;
    }
    if (node.isArray()) {
      node.forEach(branch -> walk(branch, namespace));
      return;
    }
    if (!node.isObject()) {
      return;
    }
    JsonNode kind = node.get("type");
    String kindText = kind != null && kind.isTextual() ? kind.asText() : null;
    if (kindText != null && NAMED.contains(kindText) && node.path("name").isTextual()) {
      String own = node.path("namespace").isTextual() ? node.get("namespace").asText() : namespace;
      String name = fullName(node.get("name").asText(), own);
      defined.add(name);
      int dot = name.lastIndexOf('.');
      String inner = dot < 0 ? null : name.substring(0, dot);
      if ("record".equals(kindText) || "error".equals(kindText)) {
        for (JsonNode field : node.path("fields")) {
          walk(field.get("type"), inner);
        }
      }
    } else if ("array".equals(kindText)) {
      walk(node.get("items"), namespace);
    } else if ("map".equals(kindText)) {
      walk(node.get("values"), namespace);
    } else if (kind != null && (kind.isContainerNode()
        || (kindText != null && !KEYWORDS.contains(kindText)))) {
      walk(kind, namespace);
    }
  }

  private static String fullName(String name, String namespace) {
    return name.contains(".") || namespace == null || namespace.isEmpty()
        ? name : namespace + "." + name;
  }
}
