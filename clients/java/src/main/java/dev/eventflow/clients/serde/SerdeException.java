package dev.eventflow.clients.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record that cannot be encoded or decoded, for good: bad framing, a schema id the registry
 * does not know, a writer schema no generated class reads, a schema the registry does not hold.
 * Retrying does not help; {@link RegistryUnavailableException} is the one that may.
 */
public class SerdeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public SerdeException(String message) {
    super(message);
  }

  public SerdeException(String message, Throwable cause) {
    super(message, cause);
  }

  /** True when the same call may succeed later (the registry did not answer). */
  public boolean isTransient() {
    return false;
  }
}
