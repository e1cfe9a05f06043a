"""The fuzzed API: every generated request goes through `FuzzedApi.send`, which invokes the
handler in-process (as Lambda would) and checks what must hold for any request whatsoever.
Requests are tallied by runtime and route, and the totals are printed at the end of the run."""
import json
from collections import Counter
from typing import Any, Callable

import pytest

# (runtime, route) -> requests sent; (runtime, status) -> responses. Printed by the summary hook.
SENT: Counter[tuple[str, str]] = Counter()
STATUSES: Counter[tuple[str, int]] = Counter()
# Every status the API may give; anything else (above all a 5xx) is a bug.
DOCUMENTED_STATUSES = {200, 202, 400, 404, 405, 413, 415, 422}


def _refuse_constant(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")  # strict clients (JSON.parse, serde) refuse NaN/Infinity


def strict_json(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse_constant)


class FuzzedApi:
    def __init__(self, invoke: Callable[[dict], dict], runtime: str, routes: dict[str, str]):
        self._invoke = invoke
        self.runtime = runtime
        self.routes = routes  # path -> its one method: the function's own table, checked against the template
        self.sent = 0

    def route_of(self, path: Any) -> str:
        route = path.rstrip("/") if isinstance(path, str) else ""
        return route if route in self.routes else "unknown"

    def send(self, event: dict) -> tuple[int, Any]:
        """Invoke with `event`; check the response holds for any request; return (status, body)."""
        self.sent += 1
        SENT[(self.runtime, self.route_of(event.get("path")))] += 1
        response = self._invoke(event)
        status = response["statusCode"]
        STATUSES[(self.runtime, status)] += 1
        assert status in DOCUMENTED_STATUSES, (status, response.get("body", "")[:500])
        assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
        assert response["isBase64Encoded"] is False
        body = strict_json(response["body"])
        if not 200 <= status < 300:
            error = body["error"]
            assert isinstance(error["code"], str) and error["code"]
            assert isinstance(error["message"], str) and error["message"].strip()
        return status, body


@pytest.fixture
def api(cold_start, inference_env) -> FuzzedApi:
    invoke = cold_start(inference_env)
    return FuzzedApi(invoke, inference_env.get("MODEL_RUNTIME", "sklearn"), cold_start.module.ALLOWED_METHODS)


def pytest_terminal_summary(terminalreporter) -> None:
    if not SENT:
        return
    write = terminalreporter.write_line
    terminalreporter.section("API fuzzing: generated requests")
    for runtime in sorted({runtime for runtime, _ in SENT}):
        routes = {route: count for (r, route), count in sorted(SENT.items()) if r == runtime}
        statuses = {status: count for (r, status), count in sorted(STATUSES.items()) if r == runtime}
        write(f"{runtime}: {sum(routes.values()):,} requests; by route {routes}; by status {statuses}")
    write(f"total: {sum(SENT.values()):,} requests")
