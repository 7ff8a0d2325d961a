package dev.eventflow.clients.serde;

/** The registry did not answer, or answered with a 5xx: the same call may succeed later. */
public final class RegistryUnavailableException extends SerdeException {
  private static final long serialVersionUID = 1L;

  public RegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isTransient() {
    return true;
  }
}
