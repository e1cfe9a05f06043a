import random
import sys
import types

from modelops.platform import snapstart
from modelops.platform.aws_clients import client


def test_hooks_register_with_the_runtime_when_it_offers_them(monkeypatch):
    registered = {}
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = lambda hook: registered.setdefault("before", hook)
    runtime.register_after_restore = lambda hook: registered.setdefault("after", hook)
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    before, after = object(), object()
    assert snapstart.register(before, after) is True
    assert registered == {"before": before, "after": after}


def test_without_the_runtime_nothing_is_registered(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as off Lambda
    assert snapstart.register(lambda: None, lambda: None) is False


def test_after_restore_each_environment_gets_its_own_random_state_and_clients(aws):
    random.seed(42)
    snapshot_state = random.getstate()
    first = client("s3")
    snapshot_credentials = first._request_signer._credentials
    snapstart.make_unique_after_restore()
    assert random.getstate() != snapshot_state
    assert client("s3") is not first
    # Credentials are resolved again, by a new session: not carried over from before the snapshot.
    assert client("s3")._request_signer._credentials is not snapshot_credentials
