"""The monitor backfill state machine's definition: valid ASL, the flow monitoring/backfill
describes, each Map over the plan's partitions, and only paths the plan step returns."""
import json
import re
from pathlib import Path

from tests.support.asl import lint_definition, tasks
from tests.support.sam_translator import source_template

ROOT = Path(__file__).resolve().parents[3]
DEFINITION = ROOT / "statemachine" / "monitor_backfill.asl.json"
SUBSTITUTIONS = {"MonitorBackfillFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:m"}
# What backfill.steps.plan returns (tests/integration/test_monitor_backfill.py checks the real output).
PLAN_OUTPUT_PATHS = {"$.plan", "$.label_partitions", "$.profile_partitions", "$.limits.max_concurrency"}
ACTIONS = ["plan", "labels", "merge_labels", "profile", "report"]  # functions/monitor/backfill.py


def definition() -> dict:
    return json.loads(DEFINITION.read_text())


def test_cfn_lint_validates_the_definition():
    assert lint_definition(definition(), SUBSTITUTIONS) == []


def test_cfn_lint_would_catch_a_broken_definition():
    broken = definition()
    del broken["States"]["ProfileHours"]["ItemProcessor"]["StartAt"]
    assert any("E3601" in problem for problem in lint_definition(broken, SUBSTITUTIONS))


def test_plan_labels_merge_profiles_report_in_that_order():
    states, order, state = definition()["States"], [], definition()["StartAt"]
    while True:
        order.append(state)
        if states[state].get("End"):
            break
        state = states[state]["Next"]
    assert order == ["Plan", "CollectLabels", "MergeLabels", "ProfileHours", "Report"]
    assert set(states) == set(order)


def test_each_pass_is_a_distributed_map_with_one_child_per_hour_prefix():
    states = definition()["States"]
    for name, items, action in [("CollectLabels", "$.label_partitions", "labels"),
                                ("ProfileHours", "$.profile_partitions", "profile")]:
        fan_out = states[name]
        # STANDARD children: an hour of capture may take longer than an EXPRESS execution's 5 minutes.
        assert fan_out["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
        assert fan_out["ItemsPath"] == items
        assert fan_out["ItemSelector"] == {"action": action, "plan.$": "$.plan", "partition.$": "$$.Map.Item.Value"}
        assert "ToleratedFailurePercentage" not in fan_out  # every hour is needed for a true report
        assert fan_out["ResultPath"] is None  # children write S3; the plan flows on unchanged


def test_every_task_invokes_the_backfill_function_with_a_known_action_and_retries_lambda_faults():
    found = tasks(definition()["States"])
    assert len(found) == 5
    named = [task["Parameters"]["Payload"]["action"] for task in found if "Payload" in task["Parameters"]]
    assert set(named) | {"labels", "profile"} == set(ACTIONS)
    for task in found:
        assert task["Parameters"]["FunctionName"] == "${MonitorBackfillFunctionArn}"
        assert "Lambda.TooManyRequestsException" in task["Retry"][0]["ErrorEquals"]


def test_the_maps_read_only_what_the_plan_returns():
    text = json.dumps({name: {key: state[key] for key in ("ItemsPath", "ItemSelector", "MaxConcurrencyPath")}
                       for name, state in definition()["States"].items() if state["Type"] == "Map"})
    assert set(re.findall(r'"(\$\.[\w.]+)"', text)) == PLAN_OUTPUT_PATHS


def test_substitutions_and_function_match_the_template():
    resources = source_template()["Resources"]
    machine = resources["MonitorBackfillStateMachine"]["Properties"]
    assert set(re.findall(r"\$\{(\w+)\}", DEFINITION.read_text())) == set(machine["DefinitionSubstitutions"])
    assert machine["DefinitionUri"] == "statemachine/monitor_backfill.asl.json"
    function = resources["MonitorBackfillFunction"]["Properties"]
    assert (function["CodeUri"], function["Handler"]) == ("functions/monitor/", "backfill.lambda_handler")
    assert "ReservedConcurrentExecutions" not in function  # the Map's MaxConcurrency bounds it
