"""X-Ray tracing of a handler through Powertools Tracer, created only when tracing is on.

Creating a Tracer imports the X-Ray SDK (about 0.15 s of every cold start) even when
POWERTOOLS_TRACE_DISABLED turns tracing off. The template sets that variable from its
TracingMode parameter, so with PassThrough the SDK is never imported.
"""
import os
from typing import Callable, TypeVar

from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

Handler = TypeVar("Handler", bound=Callable)


def tracing_enabled() -> bool:
    return not resolve_truthy_env_var_choice(env=os.environ.get("POWERTOOLS_TRACE_DISABLED", "false"))


def traced(handler: Handler) -> Handler:
    if not tracing_enabled():
        return handler
    from aws_lambda_powertools import Tracer

    return Tracer().capture_lambda_handler(handler)
