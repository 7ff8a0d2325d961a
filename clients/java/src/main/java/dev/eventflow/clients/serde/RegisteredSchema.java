package dev.eventflow.clients.serde;

import java.util.List;

/**
 * A schema as the registry returns it. {@code subject} and {@code version} are null when it
 * was fetched by id alone.
 */
public record RegisteredSchema(
    int id, String subject, Integer version, String schema, List<SchemaReference> references) {

  public RegisteredSchema {
    references = List.copyOf(references);
  }
}
