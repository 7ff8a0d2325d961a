"""EventFlow: events as the contract between services.

The public API is what ``__all__`` lists; everything else is internal.
"""

from eventflow.errors import ErrorCode, EventFlowError

__version__ = "0.1.0"

__all__ = ["ErrorCode", "EventFlowError", "__version__"]
