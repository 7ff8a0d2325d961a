"""The one place every librdkafka client configuration is built.

Every producer, consumer and admin client of EventFlow (the API, the pipeline services, the
registry's ``_schemas`` log, the CLI's operator commands) gets its configuration from
:func:`client_config`: where the cluster is, how to authenticate (``KafkaSettings``: TLS,
SASL PLAIN/SCRAM, OAUTHBEARER through OIDC or Amazon MSK IAM), the operator's extra
librdkafka properties, and the properties the client's role needs (``acks``, ``group.id``, …).

The extra properties (``EVENTFLOW_KAFKA__PROPERTIES`` as JSON, ``EVENTFLOW_KAFKA__PROPERTIES_FILE``
as a Java properties file) are checked: an unknown key, a key the typed settings own, or a key
whose value EventFlow sets for the client's role is refused with a message naming the key and
where it came from. Messages never contain a property's value: it may be a secret.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaException, Producer

from eventflow.config import KafkaSettings, PipelineConsumerSettings, PipelineProducerSettings
from eventflow.errors import ConfigError

# librdkafka logs every refused connection while a broker starts; admin tools want silence
# (failures still surface as exceptions with a message). Services pass their own logger.
QUIET_LOGGER = logging.getLogger("eventflow.kafka.librdkafka")
QUIET_LOGGER.addHandler(logging.NullHandler())
QUIET_LOGGER.propagate = False

# librdkafka keys the typed settings own -> the setting to use instead
TYPED_KEYS: dict[str, str] = {
    "bootstrap.servers": "EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS",
    "metadata.broker.list": "EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS",
    "client.id": "EVENTFLOW_KAFKA__CLIENT_ID",
    "security.protocol": "EVENTFLOW_KAFKA__SECURITY_PROTOCOL",
    "ssl.ca.location": "EVENTFLOW_KAFKA__TLS__CA_FILE",
    "ssl.certificate.location": "EVENTFLOW_KAFKA__TLS__CERT_FILE",
    "ssl.key.location": "EVENTFLOW_KAFKA__TLS__KEY_FILE",
    "ssl.key.password": "EVENTFLOW_KAFKA__TLS__KEY_PASSWORD",
    "ssl.endpoint.identification.algorithm": "EVENTFLOW_KAFKA__TLS__VERIFY_HOSTNAME",
    "sasl.mechanism": "EVENTFLOW_KAFKA__SASL__MECHANISM",
    "sasl.mechanisms": "EVENTFLOW_KAFKA__SASL__MECHANISM",
    "sasl.username": "EVENTFLOW_KAFKA__SASL__USERNAME",
    "sasl.password": "EVENTFLOW_KAFKA__SASL__PASSWORD",
    "sasl.oauthbearer.method": "EVENTFLOW_KAFKA__SASL__OIDC__*",
    "sasl.oauthbearer.client.id": "EVENTFLOW_KAFKA__SASL__OIDC__CLIENT_ID",
    "sasl.oauthbearer.client.secret": "EVENTFLOW_KAFKA__SASL__OIDC__CLIENT_SECRET",
    "sasl.oauthbearer.token.endpoint.url": "EVENTFLOW_KAFKA__SASL__OIDC__TOKEN_ENDPOINT_URL",
    "sasl.oauthbearer.scope": "EVENTFLOW_KAFKA__SASL__OIDC__SCOPE",
    "sasl.oauthbearer.extensions": "EVENTFLOW_KAFKA__SASL__OIDC__EXTENSIONS",
    "oauth_cb": "EVENTFLOW_KAFKA__SASL__AWS_MSK_IAM__*",
    "logger": "(EventFlow's logging)",
}


# librdkafka keys the pipeline services take from typed settings -> the setting
PIPELINE_PRODUCER_KEYS: dict[str, str] = {
    "linger.ms": "linger_ms",
    "batch.num.messages": "batch_num_messages",
    "batch.size": "batch_bytes",
    "compression.type": "compression",
}
PIPELINE_CONSUMER_KEYS: dict[str, str] = {
    "fetch.min.bytes": "fetch_min_bytes",
    "fetch.wait.max.ms": "fetch_wait_max_ms",
    "queued.min.messages": "queued_min_messages",
    "max.partition.fetch.bytes": "max_partition_fetch_bytes",
}
_SETTING_OF = {
    **{k: f"EVENTFLOW_PIPELINE__PRODUCER__{v.upper()}" for k, v in PIPELINE_PRODUCER_KEYS.items()},
    **{k: f"EVENTFLOW_PIPELINE__CONSUMER__{v.upper()}" for k, v in PIPELINE_CONSUMER_KEYS.items()},
}


def pipeline_producer_properties(settings: PipelineProducerSettings) -> dict[str, Any]:
    """The librdkafka properties of the pipeline services' output batching."""
    return {key: getattr(settings, name) for key, name in PIPELINE_PRODUCER_KEYS.items()}


def pipeline_consumer_properties(settings: PipelineConsumerSettings) -> dict[str, Any]:
    """The librdkafka properties of the pipeline services' input fetching."""
    return {key: getattr(settings, name) for key, name in PIPELINE_CONSUMER_KEYS.items()}


@dataclass(frozen=True)
class KafkaCluster:
    """A Kafka cluster to connect to: its bootstrap servers and how to authenticate.

    ``KafkaCluster("host:9092")`` is a plaintext cluster (the local broker, tests);
    :meth:`from_settings` adds the operator's security settings.
    """

    bootstrap: str
    settings: KafkaSettings = field(default_factory=KafkaSettings, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: KafkaSettings, bootstrap: str) -> KafkaCluster:
        return cls(bootstrap, settings)

    @property
    def security_protocol(self) -> str:
        return self.settings.security_protocol

    def __str__(self) -> str:
        return self.bootstrap


def client_config(
    cluster: KafkaCluster, role: Mapping[str, Any], *, client_id: str | None = None
) -> dict[str, Any]:
    """The full librdkafka configuration of one client.

    ``role``: what this kind of client needs (``acks``, ``group.id``, timeouts…). The
    operator's extra properties may add to it but never change one of its keys.
    """
    settings = cluster.settings
    config: dict[str, Any] = {
        "bootstrap.servers": cluster.bootstrap,
        "client.id": client_id or settings.client_id,
        "logger": QUIET_LOGGER,
        **security_properties(settings),
    }
    extra = extra_properties(settings)
    for key in extra:
        if key in role and str(role[key]) != extra[key]:
            instead = f" (set {_SETTING_OF[key]} instead)" if key in _SETTING_OF else ""
            raise ConfigError(
                f"librdkafka property {key} in {_origin(settings, key)} conflicts with the "
                f"value EventFlow sets for this client ({key}={role[key]}); remove it{instead}"
            )
    config.update(extra)
    config.update(role)
    return config


def security_properties(settings: KafkaSettings) -> dict[str, Any]:
    """The librdkafka properties of the typed security settings (secrets in clear: only ever
    handed to librdkafka)."""
    out: dict[str, Any] = {"security.protocol": settings.security_protocol}
    if settings.security_protocol.endswith("SSL"):
        tls = settings.tls
        if tls.ca_file is not None:
            out["ssl.ca.location"] = str(_readable(tls.ca_file, "EVENTFLOW_KAFKA__TLS__CA_FILE"))
        if tls.cert_file is not None and tls.key_file is not None:
            cert = _readable(tls.cert_file, "EVENTFLOW_KAFKA__TLS__CERT_FILE")
            out["ssl.certificate.location"] = str(cert)
            out["ssl.key.location"] = str(_readable(tls.key_file, "EVENTFLOW_KAFKA__TLS__KEY_FILE"))
        if tls.key_password is not None:
            out["ssl.key.password"] = tls.key_password.get_secret_value()
        out["ssl.endpoint.identification.algorithm"] = "https" if tls.verify_hostname else "none"
    sasl = settings.sasl
    if sasl.mechanism is None:
        return out
    out["sasl.mechanism"] = sasl.mechanism
    if sasl.username is not None and sasl.password is not None:
        out["sasl.username"] = sasl.username
        out["sasl.password"] = sasl.password.get_secret_value()
    if sasl.oidc is not None:
        oidc = sasl.oidc
        out["sasl.oauthbearer.method"] = "oidc"
        out["sasl.oauthbearer.client.id"] = oidc.client_id
        out["sasl.oauthbearer.client.secret"] = oidc.client_secret.get_secret_value()
        out["sasl.oauthbearer.token.endpoint.url"] = oidc.token_endpoint_url
        if oidc.scope:
            out["sasl.oauthbearer.scope"] = oidc.scope
        if oidc.extensions:
            out["sasl.oauthbearer.extensions"] = ",".join(
                f"{k}={v}" for k, v in sorted(oidc.extensions.items())
            )
    if sasl.aws_msk_iam is not None:
        from eventflow.kafka._msk_iam import MskIamTokenProvider

        out["oauth_cb"] = MskIamTokenProvider(sasl.aws_msk_iam)
    return out


def extra_properties(settings: KafkaSettings) -> dict[str, str]:
    """The operator's extra librdkafka properties (file, then env), checked."""
    from_file = read_properties_file(settings.properties_file) if settings.properties_file else {}
    from_env = {k: v.get_secret_value() for k, v in settings.properties.items()}
    for key in from_file.keys() & from_env.keys():
        if from_file[key] != from_env[key]:
            raise ConfigError(
                f"librdkafka property {key} is set both in {settings.properties_file} and in "
                "EVENTFLOW_KAFKA__PROPERTIES with different values; keep one"
            )
    merged = {**from_file, **from_env}
    for key in sorted(merged):
        if key in TYPED_KEYS:
            raise ConfigError(
                f"librdkafka property {key} in {_origin(settings, key)} is set by EventFlow's "
                f"settings; use {TYPED_KEYS[key]} instead"
            )
    _check_known(tuple(sorted(merged.items())), settings)
    return merged


def read_properties_file(path: Path) -> dict[str, str]:
    """A Java-style properties file: ``key=value`` (or ``key: value``), ``#``/``!`` comments."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"EVENTFLOW_KAFKA__PROPERTIES_FILE {path} cannot be read ({type(exc).__name__})"
        ) from exc
    out: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        cut = min((i for i in (line.find("="), line.find(":")) if i > 0), default=-1)
        if cut <= 0:
            raise ConfigError(f"{path}:{number}: expected key=value")
        key, value = line[:cut].strip(), line[cut + 1 :].strip()
        if key in out:
            raise ConfigError(f"{path}:{number}: {key} is already set on an earlier line")
        out[key] = value
    return out


def _origin(settings: KafkaSettings, key: str) -> str:
    if key in settings.properties:
        return "EVENTFLOW_KAFKA__PROPERTIES"
    return str(settings.properties_file)


def _readable(path: Path, setting: str) -> Path:
    if not path.is_file():
        raise ConfigError(f"{setting}: {path} is not a readable file")
    return path


@functools.lru_cache(maxsize=32)
def _known(items: tuple[tuple[str, str], ...]) -> str | None:
    """The first property librdkafka refuses (unknown key or bad value), or None."""
    for key, value in items:
        try:
            Producer({key: value, "logger": QUIET_LOGGER})  # no bootstrap: never connects
        except KafkaException as exc:
            known = "No such configuration property" not in str(exc.args[0])
            return f"{key}\0{'invalid value' if known else 'unknown'}"
    return None


def _check_known(items: tuple[tuple[str, str], ...], settings: KafkaSettings) -> None:
    problem = _known(items)
    if problem is None:
        return
    key, kind = problem.split("\0")
    if kind == "unknown":
        raise ConfigError(
            f"unknown librdkafka property {key} in {_origin(settings, key)} (see librdkafka's "
            "CONFIGURATION.md for the names)"
        )
    raise ConfigError(f"invalid value for librdkafka property {key} in {_origin(settings, key)}")
