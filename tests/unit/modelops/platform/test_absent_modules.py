import importlib
import importlib.util
import sys

import pytest

from modelops.platform.absent_modules import AbsentModules, remember_absent


@pytest.fixture(autouse=True)
def own_meta_path():
    """Each test starts without the finders earlier tests (or model loads) registered."""
    saved = list(sys.meta_path)
    sys.meta_path[:] = [finder for finder in saved if not isinstance(finder, AbsentModules)]
    yield
    sys.meta_path[:] = saved


def test_a_missing_module_is_remembered_and_still_fails_the_same_way():
    assert remember_absent("surely_not_installed_xyz") == {"surely_not_installed_xyz"}
    assert isinstance(sys.meta_path[0], AbsentModules)
    with pytest.raises(ModuleNotFoundError) as raised:
        importlib.import_module("surely_not_installed_xyz")
    assert raised.value.name == "surely_not_installed_xyz"
    with pytest.raises(ImportError):  # what scikit-learn catches around `from pandas import NA`
        exec("from surely_not_installed_xyz import NA")
    assert "surely_not_installed_xyz" not in sys.modules


def test_find_spec_still_answers_none_for_a_remembered_module():
    # Libraries test for optional dependencies this way; it must not start raising.
    remember_absent("surely_not_installed_xyz")
    assert importlib.util.find_spec("surely_not_installed_xyz") is None


def test_a_remembered_import_skips_the_path_search():
    remember_absent("surely_not_installed_xyz")
    searched = []

    class Spy:
        def find_spec(self, name, path=None, target=None):
            searched.append(name)

    sys.meta_path.insert(1, Spy())
    with pytest.raises(ModuleNotFoundError):
        import surely_not_installed_xyz  # noqa: F401
    assert searched == []


def test_installed_modules_are_never_registered_and_still_import():
    assert remember_absent("json", "numpy") == frozenset()
    assert not any(isinstance(finder, AbsentModules) for finder in sys.meta_path)
    assert importlib.import_module("json").dumps([1]) == "[1]"


def test_registering_twice_adds_one_finder():
    remember_absent("surely_not_installed_xyz")
    assert remember_absent("surely_not_installed_xyz") == frozenset()
    assert sum(isinstance(finder, AbsentModules) for finder in sys.meta_path) == 1


def test_other_names_pass_through_to_the_normal_finders():
    remember_absent("surely_not_installed_xyz")
    assert importlib.import_module("decimal").Decimal("1.5") * 2 == 3
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("another_missing_module_abc")


def test_scikit_learn_stops_searching_for_pandas_on_each_prediction():
    pytest.importorskip("sklearn")
    if importlib.util.find_spec("pandas") is not None:
        pytest.skip("pandas is installed here: nothing to remember")
    import numpy as np
    from sklearn.impute import SimpleImputer

    imputer = SimpleImputer().fit(np.array([[1.0], [np.nan], [3.0]]))
    searched = []

    class Spy:
        def find_spec(self, name, path=None, target=None):
            searched.append(name)

    remember_absent("pandas")
    sys.meta_path.insert(1, Spy())  # behind the AbsentModules finder
    assert imputer.transform(np.array([[np.nan]])).tolist() == [[2.0]]
    assert "pandas" not in searched
