"""Spread a monitoring pass over the CPUs the function has (issue 17: 1M records in under 10 s).

Each of a run's two passes (labels, then predictions: run.py) is cut into shares of the window's
capture objects, contiguous in key order and about equal in bytes. Every share but the last is
read by a forked worker process; this process reads the last. The partial results are the ones
the backfill merges (labels.CollectedLabels; window.WindowProfile with labels.JoinedPredictions),
merged in share order, which is the order one process reads them in: the report is one process's
report, up to the rounding of sums added in another order.

Why processes: both passes are CPU-bound Python holding the GIL (a second thread was measured to
gain nothing: capture/reader.py). Why fork and a pipe: Lambda has no /dev/shm, so
multiprocessing's Pool and Queue (semaphores) fail there; a forked Process and a Pipe do not.

How many: MONITOR_WORKERS, or 0 for automatic: one per vCPU the function has, and only for a
window big enough to repay starting them (MIN_AUTO_SHARE_BYTES each). Lambda gives a function CPU
in proportion to its memory (1,769 MB is one vCPU), whatever os.cpu_count() says.
"""
import os
import pickle
import sys
from bisect import bisect_left
from itertools import accumulate
from typing import Any, Callable, Mapping, Sequence

from modelops.platform.aws_clients import client, fresh_clients, made_here

LAMBDA_MB_PER_VCPU = 1769
# A worker costs a fork and an S3 client of its own (~0.1 s): automatic mode starts one only for
# at least this much compressed capture (about 20k records of 30 features: 0.3 s of reading).
MIN_AUTO_SHARE_BYTES = 4 << 20


class WorkerFailed(RuntimeError):
    """A worker process ended without a result (killed, out of memory)."""


def available_cpus(environ: Mapping[str, str] = os.environ) -> int:
    """The CPUs this process may use; on Lambda, no more than its memory pays for."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    if memory.isdigit():
        cpus = min(cpus, max(1, int(memory) // LAMBDA_MB_PER_VCPU))
    return cpus


def share_count(setting: int, total_bytes: int, objects: int, environ: Mapping[str, str] = os.environ) -> int:
    """How many shares to cut: `setting` (0: automatic), never more than there are objects."""
    wanted = setting or min(available_cpus(environ), total_bytes // MIN_AUTO_SHARE_BYTES)
    return max(1, min(wanted, objects))


def shares(objects: Sequence[tuple[str, int]], count: int) -> list[list[str]]:
    """The keys in `count` contiguous runs (fewer if there are fewer objects), none empty: a run
    ends with the object whose running total of bytes reaches its fraction of all the bytes."""
    count = max(1, min(count, len(objects)))
    running = list(accumulate(max(size, 1) for _, size in objects))  # an empty object still costs a request
    cuts = [0]
    for index in range(1, count):
        cut = bisect_left(running, running[-1] * index / count) + 1
        cuts.append(min(max(cut, cuts[-1] + 1), len(objects) - (count - index)))  # room for the runs after it
    cuts.append(len(objects))
    return [[key for key, _ in objects[first:last]] for first, last in zip(cuts, cuts[1:])]


def _forkable(s3: Any) -> bool:
    """A run may fork with this client: ours (a worker makes its own), or an object that is no
    botocore client (an in-memory double, which a forked copy may use). Someone else's botocore
    client would share its connections with the workers: that run stays in one process."""
    if made_here(s3):
        return True
    botocore_client = sys.modules.get("botocore.client")
    return botocore_client is None or not isinstance(s3, botocore_client.BaseClient)


def run_shares[Part, Result](task: Callable[[Part, Any], Result], parts: list[Part], s3: Any) -> list[Result]:
    """task(part, s3) for every part, results in part order: the last part in this process, each
    other in a forked worker. A worker's exception is raised here, as if this process had run it."""
    if len(parts) <= 1 or not _forkable(s3):
        return [task(part, s3) for part in parts]
    import multiprocessing

    context = multiprocessing.get_context("fork")
    started = []
    try:
        for part in parts[:-1]:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(task, part, s3, send), daemon=True)
            process.start()
            send.close()  # the worker holds the only sending end: its death reads as EOF here
            started.append((process, receive))
        last = task(parts[-1], s3)
        return [_result(process, receive) for process, receive in started] + [last]
    finally:
        for process, receive in started:
            if process.is_alive():  # this process failed first: nobody will read the result
                process.kill()
            process.join()
            receive.close()


def _work(task: Callable[[Any, Any], Any], part: Any, s3: Any, send: Any) -> None:
    """A worker's whole life: run its share, send ("ok", result) or ("error", exception)."""
    if made_here(s3):
        fresh_clients()
        s3 = client("s3")
    try:
        outcome: tuple[str, Any] = ("ok", task(part, s3))
    except BaseException as error:  # noqa: BLE001 - every failure is the parent's to raise
        outcome = ("error", error)
    try:
        pickle.loads(pickle.dumps(outcome[1]))  # what the parent can read back; else say what it was
    except Exception:  # noqa: BLE001
        outcome = ("error", WorkerFailed(f"a monitor worker failed with {outcome[1]!r}"))
    send.send(outcome)
    send.close()


def _result(process: Any, receive: Any) -> Any:
    try:
        kind, value = receive.recv()
    except EOFError:
        process.join()
        raise WorkerFailed(f"a monitor worker exited with code {process.exitcode} before sending its result "
                           "(out of memory? raise the function's MemorySize or lower MONITOR_WORKERS)") from None
    if kind == "error":
        raise value
    return value
