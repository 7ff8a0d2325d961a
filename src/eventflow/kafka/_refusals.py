"""Connection refusals that no retry can cure: failed authentication, an untrusted broker
certificate, a certificate for another host. librdkafka retries them forever (they are
"transient" to it); admin calls stop at the first one and say which it is, in one line."""

from __future__ import annotations

import socket
import ssl
import time
from typing import Any, Protocol

from confluent_kafka import KafkaError, KafkaException

from eventflow.errors import BrokerError, ErrorCode
from eventflow.kafka._client_config import KafkaCluster

REFUSAL_CODES = frozenset(
    {
        KafkaError._AUTHENTICATION,  # noqa: SLF001 - librdkafka's public local error codes
        KafkaError._SSL,  # noqa: SLF001
        KafkaError.SASL_AUTHENTICATION_FAILED,
        KafkaError.ILLEGAL_SASL_STATE,
        KafkaError.UNSUPPORTED_SASL_MECHANISM,
    }
)


class ConnectionRefused(BrokerError):
    """The cluster refused us (credentials, certificates): fix the settings, do not retry."""

    code = ErrorCode.BROKER_UNREACHABLE


class RefusalWatch:
    """``error_cb`` that keeps the first refusal librdkafka reports (served by ``poll``)."""

    def __init__(self) -> None:
        self.first: KafkaError | None = None

    def __call__(self, err: KafkaError) -> None:
        if self.first is None and err.code() in REFUSAL_CODES:
            self.first = err

    def check(self, cluster: KafkaCluster) -> None:
        if self.first is not None:
            raise refused(cluster, self.first)


class _MetadataClient(Protocol):
    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any: ...
    def poll(self, timeout: float = -1) -> Any: ...


def metadata_or_refusal(
    client: _MetadataClient,
    cluster: KafkaCluster,
    watch: RefusalWatch,
    timeout_s: float,
    topic: str | None = None,
) -> Any:
    """``client.list_topics`` asked in one-second slices: a refusal that ``watch`` (the
    client's ``error_cb``) saw is raised within about a second instead of after
    ``timeout_s``; the last ``KafkaException`` is re-raised once the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        slice_s = max(0.1, min(1.0, deadline - time.monotonic()))
        try:
            return client.list_topics(topic, timeout=slice_s)
        except KafkaException:
            client.poll(0)  # serves error_cb
            watch.check(cluster)
            if time.monotonic() >= deadline:
                raise


def refused(cluster: KafkaCluster, err: KafkaError) -> ConnectionRefused:
    """One line: what was refused, librdkafka's own words, and the setting to look at."""
    detail = " ".join(str(err.str()).split())
    if err.code() != KafkaError._SSL:  # noqa: SLF001
        cause = "authentication failed (check EVENTFLOW_KAFKA__SASL__*: mechanism, user, password)"
    elif "verify failed" not in detail.lower():
        cause = "the TLS handshake failed (check EVENTFLOW_KAFKA__TLS__* and the security protocol)"
    else:
        cause = _why_not_verified(cluster)
    return ConnectionRefused(
        f"Kafka at {cluster.bootstrap} refused the connection: {cause}: {detail}"
    )


def _why_not_verified(cluster: KafkaCluster) -> str:
    """librdkafka says only "certificate verify failed"; tell an untrusted certificate from one
    for another host by verifying the chain alone, like ``openssl s_client`` would."""
    untrusted = "the broker's certificate is not trusted (check EVENTFLOW_KAFKA__TLS__CA_FILE)"
    tls = cluster.settings.tls
    host, _, port = cluster.bootstrap.split(",")[0].strip().rpartition(":")
    context = ssl.create_default_context(cafile=str(tls.ca_file) if tls.ca_file else None)
    context.check_hostname = False  # the chain only
    try:
        with (
            socket.create_connection((host.strip("[]"), int(port)), timeout=5) as raw,
            context.wrap_socket(raw) as conn,
        ):
            cert = conn.getpeercert() or {}
    except ssl.SSLCertVerificationError:
        return untrusted
    except (OSError, ValueError):
        return f"{untrusted}, or it does not name {host}"
    alt_names: Any = cert.get("subjectAltName", ())
    names = [str(value) for kind, value in alt_names if kind in ("DNS", "IP Address")]
    shown = ", ".join(str(n) for n in names) or "no host names"
    return (
        f"the broker's certificate names {shown}, not {host} (connect by a name it has, "
        "or set EVENTFLOW_KAFKA__TLS__VERIFY_HOSTNAME=false)"
    )
