package dev.eventflow.clients.serde;

/** A Confluent schema reference: type {@code name} as registered in {@code subject} at {@code version}. */
public record SchemaReference(String name, String subject, int version) {}
