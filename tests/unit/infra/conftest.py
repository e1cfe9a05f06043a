"""The template as CloudFormation receives it: packaged, with the parameter values of a deploy that
serves a model, expanded by SAM's own translator (once per session: it takes about a second)."""
import pytest

from devtools.deploy.fingerprint import FINGERPRINT_PARAMETER, function_fingerprint
from tests.support.sam_translator import expand, packaged, source_template

MODEL_PIN = {"ModelVersion": "20261204T120000Z-0123abcd", "ModelSha256": "ab" * 32, "ModelRuntime": "onnx"}


def deploy_parameters(template: dict, **overrides: str) -> dict[str, str]:
    """Every parameter as `make deploy` sends it: defaults, the overrides, then the fingerprint."""
    parameters = {name: str(spec["Default"]) for name, spec in template["Parameters"].items() if "Default" in spec}
    parameters.update(overrides)
    parameters[FINGERPRINT_PARAMETER] = function_fingerprint(template, "InferenceFunction", parameters)
    return parameters


@pytest.fixture(scope="session")
def expanded() -> dict:
    template = packaged(source_template())
    return expand(template, deploy_parameters(template, **MODEL_PIN))
