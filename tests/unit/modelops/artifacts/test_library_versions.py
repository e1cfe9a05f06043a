from importlib.metadata import version

import pytest

from modelops.artifacts.library_versions import installed, installed_versions, mismatches


def test_installed_versions_are_what_the_package_metadata_says():
    installed_now = installed_versions()
    assert installed_now.scikit_learn == version("scikit-learn")
    assert installed_now.numpy == version("numpy")
    assert installed_now.joblib == version("joblib")


@pytest.mark.parametrize("distribution", ["scikit-learn", "numpy", "joblib", "onnxruntime"])
def test_each_library_reports_the_version_its_distribution_has(distribution):
    assert installed(distribution) == version(distribution)


def test_a_library_that_is_not_there_says_so():
    assert installed("no-such-library-here") == "not installed"


def test_mismatches_name_each_differing_library():
    installed_now = installed_versions()
    recorded = installed_now.model_copy(update={"scikit_learn": "0.24.2"})
    (problem,) = mismatches(recorded, installed_now)
    assert problem.startswith("scikit-learn 0.24.2 (model) != ")
    assert mismatches(installed_now, installed_now) == []
