package dev.eventflow.clients.programs;

import com.eventflow.common.Currency;
import com.eventflow.common.Envelope;
import com.eventflow.events.OrderLineItem;
import com.eventflow.events.OrderPlaced;
import com.eventflow.events.OrderPlacedPayload;
import com.eventflow.events.ShippingAddress;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventflow.clients.contracts.ContractCatalog;
import dev.eventflow.clients.contracts.EventTypeContract;
import dev.eventflow.clients.serde.SpecificAvroDeserializer;
import dev.eventflow.clients.serde.SpecificAvroSerializer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes one {@code order.placed} to the raw topic as the HTTP API does: value in Confluent
 * wire format for subject {@code <topic>-com.eventflow.events.OrderPlaced}, key = the manifest's
 * partition key ({@code payload.order_id}) as UTF-8, headers {@code event_type} and
 * {@code event_id}; acks=all and idempotence on. Prints one JSON line with where it landed.
 */
public final class ProduceOrder {
  private static final String EVENT_TYPE = "order.placed";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ProduceOrder() {}

  public static void main(String[] args) throws InterruptedException, ExecutionException {
    Map<String, String> defaults = new java.util.HashMap<>(Map.of(
        "bootstrap", "127.0.0.1:9092",
        "registry", "http://127.0.0.1:8081",
        "topic", "",
        "contracts", "",
        "source", "java-producer",
        "event-id", "",
        "order-id", "",
        "customer-id", "c-java",
        "quantity", "2",
        "unit-price", "9.95"));
    defaults.put("currency", "EUR");
    Options options = Options.parse("ProduceOrder", args, defaults);
    ContractCatalog contracts = options.get("contracts").isEmpty()
        ? ContractCatalog.fromClasspath()
        : ContractCatalog.fromDirectory(Path.of(options.get("contracts")));
    String topic = options.get("topic").isEmpty()
        ? contracts.pipelineTopics().get(0) : options.get("topic");
    EventTypeContract contract = contracts.eventType(EVENT_TYPE);
    OrderPlaced order = order(options);

    // configured as a Kafka value serializer would be (schema.registry.url, contracts folder)
    SpecificAvroSerializer serializer = new SpecificAvroSerializer();
    serializer.configure(Map.of(
        SpecificAvroDeserializer.REGISTRY_URL_CONFIG, options.get("registry"),
        SpecificAvroSerializer.CONTRACTS_DIR_CONFIG, options.get("contracts")), false);
    // at start-up, before Kafka: a subject without this contract fails here, naming it
    int schemaId = serializer.schemaId(
        SpecificAvroSerializer.subjectFor(topic, order.getSchema()), order.getSchema());
    byte[] key = keyOf(order, contract.partitionKey());
    ProducerRecord<byte[], SpecificRecord> record = new ProducerRecord<>(topic, null, key, order);
    String eventId = order.getEnvelope().getEventId().toString();
    record.headers().add("event_type", EVENT_TYPE.getBytes(StandardCharsets.UTF_8));
    record.headers().add("event_id", eventId.getBytes(StandardCharsets.UTF_8));

    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("bootstrap"));
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<byte[], SpecificRecord> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), serializer)) {
      RecordMetadata landed = producer.send(record).get();
      System.out.println(JSON.createObjectNode()
          .put("event_id", eventId)
          .put("order_id", order.getPayload().getOrderId())
          .put("topic", landed.topic())
          .put("partition", landed.partition())
          .put("offset", landed.offset())
          .put("schema_id", schemaId));
    }
  }

  static OrderPlaced order(Options options) {
    Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
    UUID eventId = options.get("event-id").isEmpty()
        ? UUID.randomUUID() : UUID.fromString(options.get("event-id"));
    String orderId = options.get("order-id").isEmpty()
        ? "java-" + eventId.toString().substring(0, 8) : options.get("order-id");
    int quantity = options.integer("quantity");
    BigDecimal unitPrice = money(options.get("unit-price"));
    Envelope envelope = Envelope.newBuilder()
        .setEventId(eventId)
        .setEventType(EVENT_TYPE)
        .setSource(options.get("source"))
        .setOccurredAt(now)
        .setReceivedAt(now)
        .setCorrelationId(eventId.toString())
        .setCausationId(null)
        .build();
    OrderPlacedPayload payload = OrderPlacedPayload.newBuilder()
        .setOrderId(orderId)
        .setCustomerId(options.get("customer-id"))
        .setLineItems(List.of(OrderLineItem.newBuilder()
            .setSku("SKU-JAVA-1").setQuantity(quantity).setUnitPrice(unitPrice).build()))
        .setTotal(unitPrice.multiply(BigDecimal.valueOf(quantity)))
        .setCurrency(Currency.valueOf(options.get("currency")))
        .setShippingAddress(ShippingAddress.newBuilder()
            .setRecipient("Grace Hopper").setStreet("1 Harbour Rd").setCity("Zürich")
            .setPostalCode("8001").setCountry("CH").build())
        .build();
    return OrderPlaced.newBuilder().setEnvelope(envelope).setPayload(payload).build();
  }

  /** A money amount with the contract's scale 2 (more digits are an error, not rounded). */
  private static BigDecimal money(String text) {
    try {
      return new BigDecimal(text).setScale(2, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException | NumberFormatException exc) {
      throw new IllegalArgumentException("--unit-price must be an amount with at most 2 "
          + "decimals, got " + text, exc);
    }
  }

  /** The value at a dotted field path (e.g. {@code payload.order_id}) as UTF-8 bytes. */
  static byte[] keyOf(IndexedRecord record, String dottedPath) {
    Object current = record;
    for (String name : dottedPath.split("\\.")) {
      if (!(current instanceof IndexedRecord inner) || inner.getSchema().getField(name) == null) {
        throw new IllegalArgumentException("partition key " + dottedPath + " is not a field path of "
            + record.getSchema().getFullName());
      }
      current = inner.get(inner.getSchema().getField(name).pos());
    }
    return current == null ? null : current.toString().getBytes(StandardCharsets.UTF_8);
  }
}
