"""The fingerprint's own rules, on small templates (tests/unit/infra/test_published_version.py runs
it through SAM's translator on the real one)."""
from devtools.deploy.fingerprint import evaluate_condition, function_fingerprint, referenced_parameters

TEMPLATE = {
    "Parameters": {name: {"Type": "String"} for name in ("Runtime", "Memory", "Unused", "Mode", "DeployFingerprint")},
    "Conditions": {"Onnx": {"Fn::Equals": [{"Ref": "Runtime"}, "onnx"]},
                   "Fast": {"Fn::And": [{"Condition": "Onnx"}, {"Fn::Not": [{"Fn::Equals": [{"Ref": "Mode"}, "slow"]}]}]}},
    "Globals": {"Function": {"MemorySize": {"Ref": "Memory"}}},
    "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
            "CodeUri": "s3://b/code1", "AutoPublishCodeSha256": {"Ref": "DeployFingerprint"},
            "Layers": [{"Fn::If": ["Onnx", {"Ref": "OnnxLayer"}, {"Ref": "SklearnLayer"}]}, "arn:aws:lambda:::layer:x:1"],
            "Environment": {"Variables": {"FAST": {"Fn::If": ["Fast", "yes", "no"]}}}}},
        "OnnxLayer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "s3://b/onnx1"}},
        "SklearnLayer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "s3://b/sk1"}},
    },
}
VALUES = {"Runtime": "onnx", "Memory": "512", "Unused": "a", "Mode": "fast", "DeployFingerprint": "f" * 64}


def changed(**changes) -> dict:
    import copy

    template = copy.deepcopy(TEMPLATE)
    for resource, uri in changes.items():
        key = "CodeUri" if resource == "Fn" else "ContentUri"
        template["Resources"][resource]["Properties"][key] = uri
    return template


def test_parameters_reached_directly_through_globals_and_through_conditions():
    used = referenced_parameters(TEMPLATE, [TEMPLATE["Resources"]["Fn"]["Properties"], TEMPLATE["Globals"]["Function"]])
    assert used == {"Runtime", "Memory", "Mode", "DeployFingerprint"}


def test_conditions_evaluate_as_cloudformation_does():
    assert evaluate_condition(TEMPLATE, {"Condition": "Fast"}, VALUES) is True
    assert evaluate_condition(TEMPLATE, {"Condition": "Fast"}, {**VALUES, "Mode": "slow"}) is False


def test_what_changes_the_fingerprint_and_what_does_not():
    base = function_fingerprint(TEMPLATE, "Fn", VALUES)
    assert function_fingerprint(TEMPLATE, "Fn", dict(VALUES)) == base
    assert function_fingerprint(changed(Fn="s3://b/code2"), "Fn", VALUES) != base
    assert function_fingerprint(changed(OnnxLayer="s3://b/onnx2"), "Fn", VALUES) != base
    assert function_fingerprint(changed(SklearnLayer="s3://b/sk2"), "Fn", VALUES) == base  # not the layer in use
    assert function_fingerprint(TEMPLATE, "Fn", {**VALUES, "Memory": "1024"}) != base
    assert function_fingerprint(TEMPLATE, "Fn", {**VALUES, "Mode": "slow"}) != base  # through a condition
    assert function_fingerprint(TEMPLATE, "Fn", {**VALUES, "Unused": "b"}) == base
    assert function_fingerprint(TEMPLATE, "Fn", {**VALUES, "DeployFingerprint": "0" * 64}) == base  # not itself
