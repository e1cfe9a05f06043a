"""The MonitorBackfillStateMachine's flow in-process: the handler called with the events its
tasks send (statemachine/monitor_backfill.asl.json), each Map's children on a thread pool."""
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable


def run_backfill(invoke: Callable[[dict[str, Any]], dict[str, Any]], request: dict[str, Any],
                 concurrency: int = 4, skip_profiles: set[int] = frozenset()) -> dict[str, Any]:
    """`invoke(event)` calls functions/monitor/backfill.py; `skip_profiles` stand for children
    that failed. Returns the Report task's output (the execution's)."""
    planned = invoke({"action": "plan", "request": request})

    def fan_out(action: str, partitions: list[int]) -> None:
        events = [{"action": action, "plan": planned["plan"], "partition": partition} for partition in partitions]
        with ThreadPoolExecutor(max_workers=min(concurrency, planned["limits"]["max_concurrency"])) as pool:
            list(pool.map(invoke, events))

    fan_out("labels", planned["label_partitions"])
    invoke({"action": "merge_labels", "plan": planned["plan"]})
    fan_out("profile", [p for p in planned["profile_partitions"] if p not in skip_profiles])
    return invoke({"action": "report", "plan": planned["plan"]})
