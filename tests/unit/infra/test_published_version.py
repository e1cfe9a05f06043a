"""Which deploys publish a new version of the inference function behind `live`: SAM's translator
(offline, .venv-sam) on the template as `sam package` hands it over, with the parameter values and
DeployFingerprint `make deploy` sends. A new version exactly when the model pin, the function's
code, a layer it runs with, or a parameter its configuration uses changes; none otherwise."""
import pytest

from devtools.deploy.fingerprint import FINGERPRINT_PARAMETER
from tests.support.sam_translator import expand_many, packaged, source_template
from tests.unit.infra.conftest import MODEL_PIN, deploy_parameters

OTHER_PIN = {"ModelVersion": "20261205T080000Z-89abcdef", "ModelSha256": "cd" * 32}

# (what changed, checksum overrides of packaged resources, parameter overrides on top of MODEL_PIN)
NEW_VERSION = [
    ("another model version", {}, OTHER_PIN),
    ("the same version served on the other runtime", {}, {"ModelRuntime": "sklearn", "ModelSha256": "ef" * 32}),
    ("the function's code", {"InferenceFunction": "1" * 32}, {}),
    ("the ONNX runtime layer (the one onnx serves with)", {"OnnxRuntimeLayer": "2" * 32}, {}),
    ("the shared modelops layer", {"SharedLayer": "3" * 32}, {}),
    ("a setting the function reads", {}, {"MaxBatchSize": "50"}),
    ("SnapStart", {}, {"ModelRuntime": "sklearn", "SnapStart": "true"}),
    ("the architecture", {}, {"Architecture": "x86_64"}),
]
SAME_VERSION = [
    ("nothing", {}, {}),
    ("the scikit-learn layer, which the onnx runtime does not use", {"DependenciesLayer": "4" * 32}, {}),
    ("the monitor's code", {"MonitorFunction": "5" * 32}, {}),
    ("a monitor-only setting", {}, {"MonitorRateMinutes": "30"}),
    ("the API's throttling", {}, {"ApiThrottlingRateLimit": "50"}),
]


def version_id(expanded: dict) -> str:
    versions = [name for name, r in expanded["Resources"].items()
                if r["Type"] == "AWS::Lambda::Version" and name.startswith("InferenceFunctionVersion")]
    assert len(versions) == 1, versions
    return versions[0]


@pytest.fixture(scope="module")
def versions() -> dict[str, str]:
    """Version id of the baseline deploy and of each variant, from one translator process."""
    source = source_template()
    cases = [("baseline", {}, {})] + NEW_VERSION + SAME_VERSION
    requests = []
    for _, contents, overrides in cases:
        template = packaged(source, contents)
        requests.append((template, deploy_parameters(template, **{**MODEL_PIN, **overrides})))
    return {label: version_id(expanded) for (label, _, _), expanded in zip(cases, expand_many(requests))}


@pytest.mark.parametrize("label", [case[0] for case in NEW_VERSION])
def test_a_change_publishes_a_new_version(versions, label):
    assert versions[label] != versions["baseline"], f"{label} changed, but the alias would stay on the old version"


@pytest.mark.parametrize("label", [case[0] for case in SAME_VERSION])
def test_no_change_to_the_function_publishes_nothing(versions, label):
    assert versions[label] == versions["baseline"]


def test_the_version_is_named_by_the_fingerprint_and_moves_the_alias():
    template = packaged(source_template())
    parameters = deploy_parameters(template, **MODEL_PIN)
    expanded = expand_many([(template, parameters)])[0]
    version = version_id(expanded)
    assert version == "InferenceFunctionVersion" + parameters[FINGERPRINT_PARAMETER][:10]
    alias = expanded["Resources"]["InferenceFunctionAliaslive"]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
    assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]
    # The fingerprint also lands in the function's description: a changed $LATEST, so Lambda
    # really publishes (it does not publish a version identical to the last one).
    assert parameters[FINGERPRINT_PARAMETER] in expanded["Resources"]["InferenceFunction"]["Properties"]["Description"]


def test_without_the_fingerprint_sam_would_miss_a_new_model():
    """The defect the fingerprint fixes: SAM's own version id ignores parameter values."""
    template = packaged(source_template())
    del template["Resources"]["InferenceFunction"]["Properties"]["AutoPublishCodeSha256"]
    first, second = expand_many([(template, deploy_parameters(template, **MODEL_PIN)),
                                 (template, deploy_parameters(template, **{**MODEL_PIN, **OTHER_PIN}))])
    assert version_id(first) == version_id(second)
