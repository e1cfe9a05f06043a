"""The DeployFingerprint of a packaged template: one SHA-256 of everything a version of a function
is made of, so that a new version is published exactly when one of them changes.

SAM names the version resource from the code location and the *unresolved* Environment, so new
parameter values (the model pin) and new layer contents would never move the alias; its
AutoPublishCodeSha256 replaces that hash, so what feeds it must cover code, layers and parameters:
- the function's packaged code location (`sam package` names it by a checksum of its content);
- the packaged location of every layer the function uses, after resolving `Fn::If` with the
  parameter values (the runtime picks the layer);
- the value of every parameter the function's properties (and Globals.Function) reach, directly
  or through a condition.
Pure Python over the decoded template: the tests feed it the same packaged template SAM's
translator expands.
"""
import hashlib
import json
from typing import Any

PSEUDO_PREFIX = "AWS::"
FINGERPRINT_PARAMETER = "DeployFingerprint"


def evaluate_condition(template: dict, expression: Any, parameters: dict[str, str]) -> bool:
    """CloudFormation's condition functions (Equals, Not, And, Or, Condition) over parameters."""
    if isinstance(expression, dict) and len(expression) == 1:
        (function, argument), = expression.items()
        if function == "Condition":
            return evaluate_condition(template, template["Conditions"][argument], parameters)
        if function == "Fn::Equals":
            left, right = (_value(side, parameters) for side in argument)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not evaluate_condition(template, argument[0], parameters)
        if function == "Fn::And":
            return all(evaluate_condition(template, item, parameters) for item in argument)
        if function == "Fn::Or":
            return any(evaluate_condition(template, item, parameters) for item in argument)
    raise ValueError(f"unsupported condition expression: {expression!r}")


def _value(expression: Any, parameters: dict[str, str]) -> Any:
    if isinstance(expression, dict) and list(expression) == ["Ref"]:
        return parameters[expression["Ref"]]
    return expression


def resolve_ifs(template: dict, value: Any, parameters: dict[str, str]) -> Any:
    """`value` with every Fn::If replaced by the branch its condition selects."""
    if isinstance(value, dict):
        if list(value) == ["Fn::If"]:
            condition, when_true, when_false = value["Fn::If"]
            chosen = when_true if evaluate_condition(template, {"Condition": condition}, parameters) else when_false
            return resolve_ifs(template, chosen, parameters)
        return {key: resolve_ifs(template, item, parameters) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_ifs(template, item, parameters) for item in value]
    return value


def referenced_parameters(template: dict, value: Any, found: set[str] | None = None) -> set[str]:
    """Names of the template parameters `value` reaches: Ref, ${Name} in Fn::Sub, and through the
    conditions of Fn::If."""
    found = set() if found is None else found
    names = set(template.get("Parameters", {}))
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str) and item in names:
                found.add(item)
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found.update(name for name in names if "${" + name + "}" in text)
                referenced_parameters(template, item, found)
            elif key in ("Fn::If", "Condition"):
                condition = item[0] if key == "Fn::If" else item
                referenced_parameters(template, template["Conditions"][condition], found)
                referenced_parameters(template, item, found)
            else:
                referenced_parameters(template, item, found)
    elif isinstance(value, list):
        for item in value:
            referenced_parameters(template, item, found)
    return found


def function_fingerprint(template: dict, function: str, parameters: dict[str, str]) -> str:
    """The fingerprint of `function` in a packaged template under these parameter values."""
    properties = dict(template["Resources"][function]["Properties"])
    properties.pop("AutoPublishCodeSha256", None)  # the fingerprint itself
    globals_ = template.get("Globals", {}).get("Function", {})
    used = referenced_parameters(template, [properties, globals_]) - {FINGERPRINT_PARAMETER}
    layers = []
    for layer in resolve_ifs(template, properties.get("Layers", []), parameters):
        if isinstance(layer, dict) and list(layer) == ["Ref"]:
            layers.append(template["Resources"][layer["Ref"]]["Properties"]["ContentUri"])
        else:
            layers.append(layer)  # an ARN written out: its value is its identity
    parts = {
        "code": properties.get("CodeUri"),
        "layers": layers,
        "parameters": {name: str(parameters[name]) for name in sorted(used)},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
