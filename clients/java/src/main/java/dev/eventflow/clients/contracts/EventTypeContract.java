package dev.eventflow.clients.contracts;

/**
 * One event type of the manifest: its name (the {@code event_type} header), the full name of
 * its record, its file and the dotted path of the field that is the Kafka key.
 */
public record EventTypeContract(String eventType, String record, String file, String partitionKey) {}
