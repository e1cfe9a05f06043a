"""Versions of the libraries a pickled model depends on, read without importing them."""
import platform
from importlib.metadata import PackageNotFoundError, version

from pydantic import BaseModel

# A joblib pickle is only safe to load with the library versions that wrote it.
MODEL_LIBRARIES = {"scikit_learn": "scikit-learn", "numpy": "numpy", "joblib": "joblib"}


class LibraryVersions(BaseModel):
    python: str
    scikit_learn: str
    numpy: str
    joblib: str


def installed(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def installed_versions() -> LibraryVersions:
    return LibraryVersions(
        python=platform.python_version(),
        **{field: installed(dist) for field, dist in MODEL_LIBRARIES.items()},
    )


def mismatches(recorded: LibraryVersions, installed: LibraryVersions) -> list[str]:
    """Model libraries whose installed version differs from the one that trained the model."""
    return [
        f"{dist} {getattr(recorded, field)} (model) != {getattr(installed, field)} (installed)"
        for field, dist in MODEL_LIBRARIES.items()
        if getattr(recorded, field) != getattr(installed, field)
    ]
