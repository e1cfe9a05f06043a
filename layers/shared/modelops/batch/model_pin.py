"""Which model a job scores with: the version the stack serves (its deploy pin), or a version the
job names, pinned at plan time to the hash in its manifest so every chunk loads the same bytes."""
from modelops.artifacts.loader import ModelUnavailable, load_verified_model
from modelops.artifacts.manifest import Manifest
from modelops.artifacts.store import ModelStore
from modelops.batch.errors import BatchJobRefused
from modelops.batch.job import ModelPin
from modelops.batch.settings import BatchSettings


def resolve(requested_version: str | None, settings: BatchSettings, store: ModelStore) -> tuple[ModelPin, Manifest]:
    """The pin and its manifest, loaded once through the verified loader so a job that cannot
    load its model is refused before any chunk runs."""
    if requested_version is None or requested_version == settings.model_version:
        pin = ModelPin(name=settings.model_name, version=settings.model_version, sha256=settings.model_sha256,
                       runtime=settings.runtime)
    else:
        try:
            manifest = store.read_manifest(settings.model_name, requested_version)
            _, record = manifest.serving_file(settings.runtime)
        except ValueError as error:
            raise BatchJobRefused("no_model", f"{settings.model_name}/{requested_version}: {error}") from error
        except Exception as error:
            raise BatchJobRefused("no_model", f"Cannot read the manifest of {settings.model_name}/{requested_version}: "
                                              f"{error}") from error
        pin = ModelPin(name=settings.model_name, version=requested_version, sha256=record.sha256,
                       runtime=settings.runtime)
    try:
        return pin, load(pin, store).manifest
    except ModelUnavailable as error:
        raise BatchJobRefused("no_model", f"Cannot load {pin.name}/{pin.version or '(none deployed)'}: "
                                          f"{error.message}") from error


_loaded: dict[ModelPin, object] = {}


def load(pin: ModelPin, store: ModelStore):
    """The verified model for a pin, once per execution environment (a warm worker reuses it)."""
    if pin not in _loaded:
        _loaded.clear()  # one model in memory at a time
        _loaded[pin] = load_verified_model(store, pin.name, pin.version, pin.sha256, pin.runtime)
    return _loaded[pin]
