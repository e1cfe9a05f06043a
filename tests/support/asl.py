"""State machine definitions under test: cfn-lint's ASL validation and a walk over every Task."""
import json

from cfnlint.api import ManualArgs, lint


def lint_definition(asl: dict, substitutions: dict[str, str]) -> list[str]:
    """cfn-lint's findings for the definition inside a minimal template (E3601: ASL schema)."""
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Machine": {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"Definition": asl, "RoleArn": "arn:aws:iam::123456789012:role/machine",
                       "DefinitionSubstitutions": substitutions}}}}
    return [str(match) for match in lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))]


def tasks(states: dict) -> list[dict]:
    """Every Task state, Map children's included."""
    found = []
    for state in states.values():
        if state["Type"] == "Task":
            found.append(state)
        if "ItemProcessor" in state:
            found += tasks(state["ItemProcessor"]["States"])
    return found
