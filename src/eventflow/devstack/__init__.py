"""The local development stack: Kafka plus EventFlow's own services as background processes."""

from eventflow.devstack.process import ManagedProcess, ProcessStatus

__all__ = ["ManagedProcess", "ProcessStatus"]
