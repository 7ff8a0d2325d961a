package dev.eventflow.clients.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The read side of a Confluent-compatible schema registry over HTTP ({@code java.net.http}):
 * schemas by id, subject versions, and the id of a given schema under a subject. It has no
 * register call on purpose: schemas are registered from git by {@code eventflow schema
 * register}, never by a running service.
 */
public final class RegistryClient {
  private static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  public RegistryClient(String url) {
    this(url, Duration.ofSeconds(10));
  }

  public RegistryClient(String url, Duration timeout) {
    this.base = URI.create(url.endsWith("/") ? url : url + "/");
    this.timeout = timeout;
    // HTTP/1.1: the default HTTP/2 upgrade (h2c) on a plain connection is not understood by
    // every registry server, and a POST body sent with the upgrade can be lost
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout).build();
  }

  public String url() {
    return base.toString();
  }

  /** {@code GET /schemas/ids/{id}}: the schema text and its references. */
  public RegisteredSchema schemaById(int id) {
    JsonNode body = send(get("schemas/ids/" + id), "schema id " + id);
    return parse(body, id, null, null);
  }

  /** {@code GET /subjects/{subject}/versions/{version}}. */
  public RegisteredSchema version(String subject, int version) {
    JsonNode body =
        send(get("subjects/" + encode(subject) + "/versions/" + version),
            "subject " + subject + " version " + version);
    return parse(body, body.path("id").asInt(), subject, version);
  }

  /** {@code GET /subjects/{subject}/versions}: the version numbers, oldest first. */
  public List<Integer> versions(String subject) {
    JsonNode body = send(get("subjects/" + encode(subject) + "/versions"), "versions of " + subject);
    List<Integer> numbers = new ArrayList<>();
    body.forEach(n -> numbers.add(n.asInt()));
    return numbers;
  }

  /**
   * {@code POST /subjects/{subject}}: the registered version of {@code subject} whose schema is
   * {@code schema} with exactly {@code references}; a {@link SerdeException} when there is none.
   */
  public RegisteredSchema lookup(String subject, String schema, List<SchemaReference> references) {
    ObjectNode request = JSON.createObjectNode().put("schema", schema);
    if (!references.isEmpty()) {
      ArrayNode refs = request.putArray("references");
      for (SchemaReference ref : references) {
        refs.addObject().put("name", ref.name()).put("subject", ref.subject())
            .put("version", ref.version());
      }
    }
    HttpRequest post =
        builder("subjects/" + encode(subject))
            .header("Content-Type", MEDIA_TYPE)
            .POST(HttpRequest.BodyPublishers.ofString(request.toString()))
            .build();
    JsonNode body = send(post, "the schema under subject " + subject);
    return parse(body, body.path("id").asInt(), subject, body.path("version").asInt());
  }

  private HttpRequest get(String path) {
    return builder(path).GET().build();
  }

  private HttpRequest.Builder builder(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("Accept", MEDIA_TYPE);
  }

  private JsonNode send(HttpRequest request, String what) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException exc) {
      throw new RegistryUnavailableException(
          "schema registry at " + base + " did not answer for " + what + ": " + exc, exc);
    } catch (InterruptedException exc) {
      Thread.currentThread().interrupt();
      throw new RegistryUnavailableException("interrupted while asking for " + what, exc);
    }
    int status = response.statusCode();
    if (status >= 500 || status == 408 || status == 429) {
      throw new RegistryUnavailableException(
          "schema registry at " + base + " answered " + status + " for " + what + ": "
              + response.body(), null);
    }
    if (status != 200) {
      throw new SerdeException(
          "schema registry at " + base + " refused the request for " + what + " (HTTP " + status
              + ": "
              + errorMessage(response.body()) + ")");
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException exc) {
      throw new SerdeException("schema registry answered with invalid JSON for " + what, exc);
    }
  }

  private static String errorMessage(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node.path("error_code").asText("?") + " " + node.path("message").asText(body);
    } catch (IOException exc) {
      return body;
    }
  }

  private static RegisteredSchema parse(JsonNode body, int id, String subject, Integer version) {
    if (!body.path("schema").isTextual()) {
      throw new SerdeException("registry answer for schema id " + id + " has no schema text");
    }
    String type = body.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(type)) {
      throw new SerdeException("schema id " + id + " is " + type + ", not AVRO");
    }
    List<SchemaReference> refs = new ArrayList<>();
    for (JsonNode ref : body.path("references")) {
      refs.add(new SchemaReference(
          ref.path("name").asText(), ref.path("subject").asText(), ref.path("version").asInt()));
    }
    return new RegisteredSchema(id, subject, version, body.get("schema").asText(), refs);
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
