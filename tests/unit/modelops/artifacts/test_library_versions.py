from importlib.metadata import version

from modelops.artifacts.library_versions import installed_versions, mismatches


def test_installed_versions_are_read_from_package_metadata():
    installed = installed_versions()
    assert installed.scikit_learn == version("scikit-learn")
    assert installed.numpy == version("numpy")
    assert installed.joblib == version("joblib")


def test_mismatches_name_each_differing_library():
    installed = installed_versions()
    recorded = installed.model_copy(update={"scikit_learn": "0.24.2"})
    (problem,) = mismatches(recorded, installed)
    assert problem.startswith("scikit-learn 0.24.2 (model) != ")
    assert mismatches(installed, installed) == []
