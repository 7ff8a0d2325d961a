"""Amazon MSK IAM authentication: the SASL/OAUTHBEARER token callback librdkafka calls.

librdkafka calls the client's ``oauth_cb`` when it needs a token and again before the current
one expires (at about 80% of its lifetime), so every call signs a fresh token with the
credentials of that moment (rotated credentials are picked up). The token is AWS's
``aws-msk-iam-sasl-signer-python`` signed URL; librdkafka wants the expiry as seconds since
the epoch (a float), the signer gives milliseconds.

Credentials come from the default AWS chain (environment, ECS task role, EC2/EKS instance
profile or IRSA), a named profile, or a role assumed through STS. Needs ``eventflow[aws]``.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from eventflow.config import KafkaMskIamSettings
from eventflow.errors import ConfigError

log = logging.getLogger("eventflow.kafka")

SIGNER_MODULE = "aws_msk_iam_sasl_signer.MSKAuthTokenProvider"


def load_signer() -> ModuleType:
    try:
        return importlib.import_module(SIGNER_MODULE)
    except ImportError as exc:
        raise ConfigError(
            "Amazon MSK IAM (EVENTFLOW_KAFKA__SASL__AWS_MSK_IAM__*) needs the AWS extra: "
            "pip install 'eventflow[aws]'"
        ) from exc


class MskIamTokenProvider:
    """``oauth_cb`` for librdkafka: ``(token, expiry in seconds since the epoch)``."""

    def __init__(self, settings: KafkaMskIamSettings, *, signer: ModuleType | None = None) -> None:
        self._settings = settings
        self._signer = signer or load_signer()

    def __repr__(self) -> str:  # the token is a bearer credential: never shown
        s = self._settings
        source = (
            f"role {s.role_arn}"
            if s.role_arn
            else f"profile {s.profile}"
            if s.profile
            else "default"
        )
        return f"MskIamTokenProvider(region={s.region}, credentials={source})"

    def __call__(self, _oauthbearer_config: Any = None) -> tuple[str, float]:
        try:
            token, expiry_ms = self._sign()
        except Exception as exc:  # librdkafka only sees "token refresh failed": say why here
            log.error(
                "Amazon MSK IAM token for region %s could not be signed: %s (%s)",
                self._settings.region,
                type(exc).__name__,
                _first_line(exc),
            )
            raise
        return str(token), int(expiry_ms) / 1000.0

    def _sign(self) -> tuple[str, int]:
        s, signer = self._settings, self._signer
        if s.role_arn:
            result = signer.generate_auth_token_from_role_arn(
                s.region, s.role_arn, s.role_session_name
            )
        elif s.profile:
            result = signer.generate_auth_token_from_profile(s.region, s.profile)
        else:
            result = signer.generate_auth_token(s.region)
        token, expiry_ms = result
        return str(token), int(expiry_ms)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no detail"
