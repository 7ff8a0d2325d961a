package dev.eventflow.clients.programs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventflow.clients.contracts.ContractCatalog;
import dev.eventflow.clients.serde.RecordJson;
import dev.eventflow.clients.serde.SerdeException;
import dev.eventflow.clients.serde.SpecificAvroDeserializer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the enriched topic and prints one JSON line per event on stdout: where it was (topic,
 * partition, offset), its key and headers, the writer's schema id, the record's full name and
 * its fields ({@link RecordJson}). Offsets are committed after the lines are written.
 *
 * <p>A record that can never be decoded (bad framing, unknown schema id, a type without a
 * generated class) is reported on stderr as one JSON line naming its partition and offset and
 * skipped, so it never blocks its partition; the exit status is then 3. A registry that does
 * not answer is retried (the record is read again after a pause), never skipped.
 */
public final class ConsumeEnriched {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int EXIT_SKIPPED = 3;

  private ConsumeEnriched() {}

  public static void main(String[] args) throws InterruptedException {
    List<String> topics = ContractCatalog.fromClasspath().pipelineTopics();
    Options options = Options.parse("ConsumeEnriched", args, Map.of(
        "bootstrap", "127.0.0.1:9092",
        "registry", "http://127.0.0.1:8081",
        "topic", topics.get(topics.size() - 1),
        "group", "eventflow-java-printer",
        "max-events", "0",
        "idle-exit-s", "0"));
    int maxEvents = options.integer("max-events");
    int idleExitS = options.integer("idle-exit-s");
    // configured as a Kafka value deserializer would be; called here on the raw bytes so a
    // record that cannot be decoded is told apart from a registry that does not answer
    SpecificAvroDeserializer deserializer = new SpecificAvroDeserializer();
    deserializer.configure(
        Map.of(SpecificAvroDeserializer.REGISTRY_URL_CONFIG, options.get("registry")), false);
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("bootstrap"));
    config.put(ConsumerConfig.GROUP_ID_CONFIG, options.get("group"));
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");

    CountDownLatch finished = new CountDownLatch(1);
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    Thread main = Thread.currentThread();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      consumer.wakeup();
      try {
        finished.await();
      } catch (InterruptedException exc) {
        main.interrupt();
      }
    }));
    int printed = 0;
    int skipped = 0;
    try (consumer) {
      consumer.subscribe(List.of(options.get("topic")));
      long lastSeen = System.nanoTime();
      while (maxEvents == 0 || printed < maxEvents) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        if (batch.isEmpty()) {
          if (idleExitS > 0 && System.nanoTime() - lastSeen > idleExitS * 1_000_000_000L) {
            break;
          }
          continue;
        }
        lastSeen = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        Set<TopicPartition> waiting = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          if (waiting.contains(partition)) {
            continue; // this partition waits for the registry; read it again next poll
          }
          try {
            System.out.println(line(record, deserializer));
            printed++;
          } catch (SerdeException exc) {
            if (exc.isTransient()) {
              System.err.println(problem(record, exc, "retrying"));
              consumer.seek(partition, record.offset());
              waiting.add(partition);
              Thread.sleep(1000);
              continue;
            }
            System.err.println(problem(record, exc, "skipped"));
            skipped++;
          }
          done.put(partition, new OffsetAndMetadata(record.offset() + 1));
          if (maxEvents > 0 && printed >= maxEvents) {
            break;
          }
        }
        flushOrFail(System.out);
        if (!done.isEmpty()) {
          consumer.commitSync(done);
        }
      }
    } catch (WakeupException exc) {
      // shutdown requested: what was printed is committed, the rest is read again next time
    } finally {
      finished.countDown();
    }
    System.exit(skipped > 0 ? EXIT_SKIPPED : 0);
  }

  private static String line(ConsumerRecord<byte[], byte[]> record,
      SpecificAvroDeserializer deserializer) {
    ObjectNode out = JSON.createObjectNode();
    out.put("topic", record.topic()).put("partition", record.partition())
        .put("offset", record.offset());
    out.put("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
    ObjectNode headers = out.putObject("headers");
    for (Header header : record.headers()) {
      headers.put(header.key(),
          header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
    }
    if (record.value() == null) {
      throw new SerdeException("record has no value (a tombstone): not an event");
    }
    SpecificAvroDeserializer.Decoded decoded = deserializer.decode(record.value());
    out.put("schema_id", decoded.schemaId());
    out.put("record", decoded.value().getSchema().getFullName());
    out.set("value", RecordJson.of(decoded.value()));
    return out.toString();
  }

  private static String problem(ConsumerRecord<byte[], byte[]> record, SerdeException exc,
      String outcome) {
    return JSON.createObjectNode().put("error", exc.getMessage()).put("outcome", outcome)
        .put("topic", record.topic()).put("partition", record.partition())
        .put("offset", record.offset()).toString();
  }

  private static void flushOrFail(PrintStream out) {
    out.flush();
    if (out.checkError()) {
      throw new IllegalStateException("stdout is closed: nothing more is committed");
    }
  }
}
