"""Keeps the serving model for the life of an execution environment.

Loaded once at init. If that fails (no version deployed, S3 unreachable, tampered artifact...),
the failure is remembered and requests get a 503 naming it; the next request tries again, so the
function recovers by itself once the fault clears, without a redeploy or a cold start.
"""
from typing import Callable

from modelops.artifacts.loader import LoadedModel, ModelUnavailable


class ModelHolder:
    def __init__(self, load: Callable[[], LoadedModel], on_failure: Callable[[ModelUnavailable], None]):
        self._load = load
        self._on_failure = on_failure
        self._model: LoadedModel | None = None
        self.last_failure: ModelUnavailable | None = None

    @property
    def loaded(self) -> LoadedModel | None:
        """The model if it is loaded; None otherwise, without trying to load it."""
        return self._model

    def get(self) -> LoadedModel:
        if self._model is None:
            try:
                self._model = self._load()
                self.last_failure = None
            except ModelUnavailable as failure:
                self.last_failure = failure
                self._on_failure(failure)
                raise
        return self._model
