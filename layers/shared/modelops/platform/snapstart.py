"""Lambda SnapStart: what runs before the snapshot of an initialised function, and after each
restore from it.

Before: the model is loaded and one prediction made, so the snapshot holds warm code paths (on
the scikit-learn runtime the first predict_proba costs tens of milliseconds more than the next).
After: what must differ between execution environments is re-created. Every environment restored
from one snapshot would otherwise share the `random` state (the capture sampler would pick the
same requests everywhere) and AWS clients whose credentials and connections were made before
the snapshot. Prediction ids use `secrets` (the kernel's entropy), which is unique per call.
"""
import random
from typing import Callable

from modelops.platform.aws_clients import fresh_clients


def register(before_snapshot: Callable[[], None], after_restore: Callable[[], None]) -> bool:
    """Register the hooks with the Lambda runtime; False where there is no runtime to register with."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:  # tests, local runs, or a runtime without SnapStart support
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True


def make_unique_after_restore() -> None:
    random.seed()  # from os.urandom: this environment's own sequence
    fresh_clients()  # new clients pick up this environment's credentials
