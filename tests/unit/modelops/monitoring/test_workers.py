"""monitoring/workers.py: how a window is shared out, and forked workers' results and failures."""
import os
import pickle

import numpy as np
import pytest
from botocore.exceptions import ClientError

from modelops.monitoring import workers
from modelops.monitoring.run import MonitorUnavailable
from modelops.platform import aws_clients


@pytest.mark.parametrize("seed", range(200))
def test_shares_are_contiguous_non_empty_and_about_equal_in_bytes(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 1000, rng.integers(0, 40)).tolist()
    objects = [(f"key-{index:03d}", size) for index, size in enumerate(sizes)]
    count = int(rng.integers(1, 9))
    parts = workers.shares(objects, count)
    assert [key for part in parts for key in part] == [key for key, _ in objects]  # every key once, in order
    assert len(parts) == max(1, min(count, len(objects)))
    assert all(parts) or parts == [[]]
    # Each cut is at the object that reaches its share of the bytes, or as near as non-empty
    # runs allow: no run is bigger than its share plus its largest object.
    weights = {key: max(size, 1) for key, size in objects}
    total = sum(weights.values())
    for part in parts:
        if len(part) > 1:
            assert sum(weights[key] for key in part) <= total / len(parts) + max(weights[key] for key in part) + 1e-9


def test_shares_split_a_window_of_equal_objects_evenly():
    objects = [(f"k{index}", 100) for index in range(8)]
    assert [len(part) for part in workers.shares(objects, 2)] == [4, 4]
    assert [len(part) for part in workers.shares(objects, 4)] == [2, 2, 2, 2]
    assert workers.shares([], 3) == [[]]


@pytest.mark.parametrize("memory, cpus", [("1024", 1), ("1769", 1), ("3538", 2), ("10240", 5)])
def test_on_lambda_the_memory_says_how_many_cpus_a_run_may_use(memory, cpus):
    assert workers.available_cpus({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory}) == min(cpus, len(os.sched_getaffinity(0)))


def test_automatic_mode_starts_workers_only_for_big_windows():
    big = 64 * workers.MIN_AUTO_SHARE_BYTES
    lambda_2_vcpus = {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "3538"}
    assert workers.share_count(0, big, 100, lambda_2_vcpus) == min(2, len(os.sched_getaffinity(0)))
    assert workers.share_count(0, workers.MIN_AUTO_SHARE_BYTES - 1, 100, lambda_2_vcpus) == 1
    assert workers.share_count(0, big, 100, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769"}) == 1
    # An explicit setting is taken as it is, up to one share per object.
    assert workers.share_count(3, 10, 100, lambda_2_vcpus) == 3
    assert workers.share_count(3, 10, 2, lambda_2_vcpus) == 2
    assert workers.share_count(3, 0, 0, lambda_2_vcpus) == 1


class FakeS3:
    """Stands for an in-memory double: a forked copy may use it."""


def test_every_share_but_the_last_runs_in_a_worker_and_results_come_back_in_order():
    results = workers.run_shares(lambda part, s3: (part, os.getpid()), ["a", "b", "c"], FakeS3())
    assert [part for part, _ in results] == ["a", "b", "c"]
    pids = [pid for _, pid in results]
    assert pids[-1] == os.getpid() and len(set(pids)) == 3


def test_a_worker_makes_its_own_client_of_ours_and_someone_elses_client_keeps_the_run_in_one_process(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws_clients.fresh_clients()
    ours = aws_clients.client("s3")
    seen = workers.run_shares(lambda part, s3: (s3 is ours, aws_clients.made_here(s3), os.getpid()), [1, 2], ours)
    assert seen[0][:2] == (False, True) and seen[0][2] != os.getpid()  # a new client, made in the worker
    assert seen[1] == (True, True, os.getpid())
    import botocore.session

    theirs = botocore.session.get_session().create_client("s3")
    assert not aws_clients.made_here(theirs)
    pids = workers.run_shares(lambda part, s3: os.getpid(), [1, 2], theirs)
    assert pids == [os.getpid(), os.getpid()]
    aws_clients.fresh_clients()


def _fail(part, s3):
    if part == "bad":
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "reduce your request rate"}}, "GetObject")
    if part == "reasoned":
        raise MonitorUnavailable("baseline_invalid", "hash mismatch")
    if part == "killed":
        os._exit(3)
    if part == "unpicklable":
        return lambda: None
    return part


@pytest.mark.parametrize("part, error, match", [
    ("bad", ClientError, "SlowDown"),
    ("reasoned", MonitorUnavailable, "baseline_invalid: hash mismatch"),
    ("killed", workers.WorkerFailed, "exited with code 3 before sending its result"),
    ("unpicklable", workers.WorkerFailed, "failed with <function"),
])
def test_a_workers_failure_is_raised_here_as_itself_or_says_what_happened(part, error, match):
    with pytest.raises(error, match=match) as raised:
        workers.run_shares(_fail, [part, "fine"], FakeS3())
    if error is ClientError:
        assert raised.value.response["Error"]["Code"] == "SlowDown"


def test_when_this_process_fails_first_its_workers_are_stopped(tmp_path):
    started = tmp_path / "worker.pid"

    def task(part, s3):
        if part == "last":
            while not started.exists():  # the worker is under way
                pass
            raise ValueError("the parent's own share failed")
        (tmp_path / "writing").write_text(str(os.getpid()))
        (tmp_path / "writing").rename(started)  # whole, or not there yet
        import time

        time.sleep(600)

    with pytest.raises(ValueError, match="own share failed"):
        workers.run_shares(task, ["slow", "last"], FakeS3())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(int(started.read_text()), 0)


def test_reasoned_errors_survive_pickling():
    error = pickle.loads(pickle.dumps(MonitorUnavailable("storage_error", "S3 failed")))
    assert (type(error), error.reason, error.message) == (MonitorUnavailable, "storage_error", "S3 failed")
