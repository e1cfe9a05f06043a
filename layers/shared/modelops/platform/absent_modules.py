"""Remember that an optional library is not installed, so asking for it again fails at once.

scikit-learn asks for pandas on every prediction (`from pandas import NA` in
`sklearn.utils._missing.is_pandas_na`: eight times per 1-row `predict_proba` of an imputing
pipeline). Python caches no failed lookup, so without pandas each ask walks every sys.path entry
again: about 33 µs apiece, a third of the whole call. On Lambda the function and layers are
read-only, so a module missing at init stays missing and answering from memory changes nothing
but the time. A module that is installed is never affected.
"""
import importlib.util
import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from typing import Sequence


class AbsentModules(MetaPathFinder):
    """First on sys.meta_path: raises the ModuleNotFoundError the full search would have raised."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target: object = None) -> ModuleSpec | None:
        if fullname in self.names and _asked_by_an_import():
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None  # not ours to answer: the normal finders search as usual


def _asked_by_an_import() -> bool:
    """True when this lookup is an import (`import x`, `from x import y`, import_module), whose
    full search would end in the same ModuleNotFoundError. importlib.util.find_spec must still
    answer None for a missing module, so its lookups take the normal search. Frames: 0 is this
    function, 1 find_spec above, 2 importlib's _find_spec, 3 its caller. Should CPython's import
    internals ever be named otherwise, this is False: slower, never wrong."""
    return sys._getframe(3).f_code.co_name == "_find_and_load_unlocked"


def remember_absent(*names: str) -> frozenset[str]:
    """Registers those of `names` that cannot be imported now; returns them."""
    known = set().union(*(finder.names for finder in sys.meta_path if isinstance(finder, AbsentModules)))
    absent = frozenset(name for name in names
                       if name not in known and name not in sys.modules and importlib.util.find_spec(name) is None)
    if absent:
        sys.meta_path.insert(0, AbsentModules(absent))
    return absent
