package dev.eventflow.avrocompat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;

/**
 * Answers compatibility questions with Apache Avro Java, one JSON object per line.
 *
 * <p>Input lines: {@code {"id": "...", "reader": "<schema>", "writer": "<schema>"}} for a
 * reader/writer check, or {@code {"id": "...", "parse": "<schema>"}} to ask whether
 * {@code Schema.Parser} accepts a text (answering also its Parsing Canonical Form and
 * CRC-64-AVRO fingerprint). Output lines: {@code {"id", "verdict", ...}} where
 * verdict is COMPATIBLE, INCOMPATIBLE (with "incompatibilities": [{type, location, message}]),
 * EXCEPTION (the check threw; "error" holds the text), PARSE_ERROR ("error") or PARSED.
 */
public final class AvroCompatOracle {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private AvroCompatOracle() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode request = MAPPER.readTree(line);
      out.println(MAPPER.writeValueAsString(answer(request)));
    }
    out.flush();
  }

  private static ObjectNode answer(JsonNode request) {
    ObjectNode response = MAPPER.createObjectNode();
    response.set("id", request.get("id"));
    if (request.has("parse")) {
      try {
        Schema schema = new Schema.Parser().parse(request.get("parse").asText());
        response.put("verdict", "PARSED");
        response.put("canonical", SchemaNormalization.toParsingForm(schema));
        response.put("fingerprint", SchemaNormalization.parsingFingerprint64(schema));
      } catch (RuntimeException e) {
        response.put("verdict", "PARSE_ERROR");
        response.put("error", String.valueOf(e.getMessage()));
      }
      return response;
    }
    Schema reader;
    Schema writer;
    try {
      reader = new Schema.Parser().parse(request.get("reader").asText());
      writer = new Schema.Parser().parse(request.get("writer").asText());
    } catch (RuntimeException e) {
      response.put("verdict", "PARSE_ERROR");
      response.put("error", String.valueOf(e.getMessage()));
      return response;
    }
    SchemaCompatibility.SchemaPairCompatibility result;
    try {
      result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    } catch (RuntimeException e) {
      response.put("verdict", "EXCEPTION");
      response.put("error", String.valueOf(e.getMessage()));
      return response;
    }
    response.put("verdict", result.getType().name());
    ArrayNode found = response.putArray("incompatibilities");
    for (SchemaCompatibility.Incompatibility item : result.getResult().getIncompatibilities()) {
      ObjectNode entry = found.addObject();
      entry.put("type", item.getType().name());
      entry.put("location", item.getLocation());
      entry.put("message", item.getMessage());
    }
    return response;
  }
}
