"""The local development stack: Kafka plus EventFlow's own services as background processes."""

from eventflow.devstack._process import ManagedProcess, ProcessStatus
from eventflow.devstack._stack import (
    StackUrls,
    dev_api_key,
    keys_file_of,
    service_env,
    services,
    urls_of,
)

__all__ = [
    "ManagedProcess",
    "ProcessStatus",
    "StackUrls",
    "dev_api_key",
    "keys_file_of",
    "service_env",
    "services",
    "urls_of",
]
