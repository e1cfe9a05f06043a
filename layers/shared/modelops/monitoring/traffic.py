"""Which model versions the window's predictions came from.

The monitor profiles the deployed version only (MODEL_VERSION); predictions of any other version
are counted, not profiled. When most of a window is another version (right after a deploy, or a
monitor left pointing at a version that no longer serves), a report of the few remaining
predictions would look healthy and mean little: `Traffic` says so plainly.
"""
from pydantic import BaseModel, ConfigDict

from modelops.monitoring.window import Volume


class VersionShare(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    model_name: str
    model_version: str
    predictions: int
    share: float  # of the window's valid predictions, every version together
    monitored: bool  # the version this report profiles


class Traffic(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    predictions: int  # valid predictions of every version
    monitored_share: float | None  # None: no valid prediction at all
    mostly_other_versions: bool  # other versions' share > max_other_version_share
    versions: list[VersionShare]  # largest first; up to window.MAX_OTHER_VERSIONS others are named
    # The monitored version's predictions by where they were made: the API, or batch scoring jobs
    # (modelops/batch, "origin": "batch"), so a window dominated by one batch job reads as such.
    live_predictions: int
    batch_predictions: int


def traffic_of(volume: Volume, model_name: str, model_version: str, max_other_share: float) -> Traffic:
    total = volume.predictions + volume.other_model
    counts = [(model_name, model_version, volume.predictions, True)] + [
        (name, version, count, False)
        for name, versions in volume.other_versions.items() for version, count in versions.items()
    ]
    versions = [VersionShare(model_name=name, model_version=version, predictions=count, share=count / total,
                             monitored=monitored)
                for name, version, count, monitored in sorted(counts, key=lambda item: -item[2]) if total and count]
    return Traffic(predictions=total, monitored_share=volume.predictions / total if total else None,
                   mostly_other_versions=bool(total) and volume.other_model / total > max_other_share,
                   versions=versions, live_predictions=volume.predictions - volume.batch_predictions,
                   batch_predictions=volume.batch_predictions)
