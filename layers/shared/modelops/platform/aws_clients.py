"""AWS clients configured once per process, straight from botocore.

boto3 adds nothing these functions use (no resources, no managed transfers) and its import pulls
in s3transfer: about 30 ms of every cold start. botocore itself is imported on the first client,
not with this module: an inference function whose model is in its package (artifacts/bundle.py)
never creates one, and never pays for the import. Short connect timeouts and standard retries: a
Lambda that cannot reach S3 should say so within seconds, not hang until API Gateway's 29 s
timeout. botocore honours AWS_ENDPOINT_URL, which is how the tests and the demo point every
client at the local moto server.
"""
import weakref
from functools import lru_cache
from typing import Any


# Three attempts in all: standard mode's jittered backoff waits at most 1 + 2 s between them, so a
# cold start that meets throttling still answers within Lambda's 10 s init limit. botocore's
# Config(**CLIENT_SETTINGS), built with the first client.
CLIENT_SETTINGS: dict[str, Any] = {"connect_timeout": 2, "read_timeout": 10,
                                   "retries": {"mode": "standard", "total_max_attempts": 3}}


@lru_cache(maxsize=None)
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()  # one per process: its loaders cache the service models


# Every client `client` has made, so a forked worker can tell the process's own client (which it
# replaces by one of its own: connections must not be shared across processes) from any other.
_MADE: "weakref.WeakSet[Any]" = weakref.WeakSet()


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    from botocore.config import Config

    made = _session().create_client(service, config=Config(**CLIENT_SETTINGS))
    _MADE.add(made)
    return made


def made_here(candidate: Any) -> bool:
    """Whether `candidate` is a client `client` made (not a test double, not someone else's client)."""
    try:
        return candidate in _MADE
    except TypeError:  # an object that cannot be weakly referenced is no client of ours
        return False


def fresh_clients() -> None:
    """Forget every client and the session with its resolved credentials (after a SnapStart restore)."""
    client.cache_clear()
    _session.cache_clear()
