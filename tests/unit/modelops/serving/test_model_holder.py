import pytest

from modelops.serving.model_holder import ModelHolder
from modelops.artifacts.loader import ModelUnavailable


def test_a_failed_load_is_remembered_reported_and_retried_until_it_succeeds():
    outcomes = [ModelUnavailable("storage_unreachable", "down"), "model"]
    failures = []

    def load():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    holder = ModelHolder(load, failures.append)
    with pytest.raises(ModelUnavailable):
        holder.get()
    assert holder.last_failure.reason == "storage_unreachable"
    assert [f.reason for f in failures] == ["storage_unreachable"]
    assert holder.get() == "model"
    assert holder.last_failure is None
    assert holder.get() == "model"  # loaded once, kept
    assert outcomes == []
