"""Versions of the libraries a model depends on, as each library reports its own (`__version__`).

Why not importlib.metadata: importing it costs 15-20 ms of a cold start (zipfile, email and csv
come with it), and every library asked about is imported right after anyway, to load the model.
The version a library reports is the one its distribution was built with (a test holds the two
equal for every library here).
"""
import importlib
import platform

from pydantic import BaseModel

# A joblib pickle is only safe to load with the library versions that wrote it.
MODEL_LIBRARIES = {"scikit_learn": "scikit-learn", "numpy": "numpy", "joblib": "joblib"}
# The module each distribution installs, where it is not the distribution's own name.
MODULE_OF = {"scikit-learn": "sklearn"}


class LibraryVersions(BaseModel):
    python: str
    scikit_learn: str
    numpy: str
    joblib: str


def installed(distribution: str) -> str:
    try:
        module = importlib.import_module(MODULE_OF.get(distribution, distribution))
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))


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
