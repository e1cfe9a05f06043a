"""The batch scoring state machine's definition: valid ASL (cfn-lint's schema), the flow the
docs describe, and only paths the plan step really returns."""
import json
import re
from pathlib import Path

import pytest
from tests.support import asl as asl_support
from tests.support.sam_translator import source_template

ROOT = Path(__file__).resolve().parents[3]
DEFINITION = ROOT / "statemachine" / "batch_scoring.asl.json"
# What steps.plan returns (tests/integration/test_batch_scoring.py checks the real output has these).
PLAN_OUTPUT_PATHS = {"$.plan.bucket", "$.plan.key", "$.job", "$.limits.max_concurrency",
                     "$.limits.tolerated_failure_percentage", "$.results.bucket", "$.results.prefix"}


def definition() -> dict:
    return json.loads(DEFINITION.read_text())


def lint_definition(asl: dict) -> list[str]:
    return asl_support.lint_definition(asl, {"BatchFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:b"})


def test_cfn_lint_validates_the_definition():
    assert lint_definition(definition()) == []


def test_cfn_lint_would_catch_a_broken_definition():
    broken = definition()
    del broken["States"]["Score"]["ItemProcessor"]["StartAt"]
    assert any("E3601" in problem for problem in lint_definition(broken))


def test_plan_then_a_distributed_map_of_standard_children_then_summarise():
    states = definition()["States"]
    assert definition()["StartAt"] == "Plan" and states["Plan"]["Next"] == "Score"
    score = states["Score"]
    # STANDARD: up to 100 chunks a child may outlast EXPRESS's 5 minutes (and LocalStack runs only these).
    assert score["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert score["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert score["ItemReader"]["ReaderConfig"] == {"InputType": "JSON"}
    # Each child gets one item of plan.json (a worker's chunks, grouped by the plan) and the job;
    # no ItemBatcher, which LocalStack cannot run (make e2e runs this state machine).
    assert score["ItemSelector"] == {"action": "score", "job.$": "$.job", "chunks.$": "$$.Map.Item.Value.chunks"}
    assert "ItemBatcher" not in score
    assert score["ResultWriter"]["Resource"] == "arn:aws:states:::s3:putObject"
    # A Map that fails beyond the tolerated share is still summarised, then fails the execution.
    assert score["Catch"][0]["Next"] == "Summarise" and score["Next"] == "Summarise"
    assert states["MoreFailedThanTolerated"]["Choices"][0]["Next"] == "JobFailed"
    assert states["JobFailed"]["Type"] == "Fail"


def test_every_task_invokes_the_batch_function_and_retries_lambda_faults():
    found = asl_support.tasks(definition()["States"])
    assert len(found) == 3
    for task in found:
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
        assert task["Parameters"]["FunctionName"] == "${BatchFunctionArn}"
        assert "Lambda.TooManyRequestsException" in task["Retry"][0]["ErrorEquals"]


def test_substitutions_match_the_template():
    used = set(re.findall(r"\$\{(\w+)\}", DEFINITION.read_text()))
    machine = source_template()["Resources"]["BatchScoringStateMachine"]["Properties"]
    assert used == set(machine["DefinitionSubstitutions"])
    assert machine["DefinitionUri"] == "statemachine/batch_scoring.asl.json"


def test_the_map_reads_only_what_the_plan_returns():
    score = definition()["States"]["Score"]
    text = json.dumps({key: score[key] for key in ("ItemReader", "ItemSelector", "ResultWriter", "MaxConcurrencyPath",
                                                   "ToleratedFailurePercentagePath")})
    assert set(re.findall(r'"(\$\.[\w.]+)"', text)) == PLAN_OUTPUT_PATHS


@pytest.mark.parametrize("parameter, variable", [
    ("BatchMaxConcurrency", "BATCH_MAX_CONCURRENCY"), ("BatchToleratedFailurePercentage", "BATCH_TOLERATED_FAILURE_PERCENTAGE"),
    ("BatchChunksPerWorker", "BATCH_CHUNKS_PER_WORKER"), ("BatchChunkMiB", "BATCH_CHUNK_MIB")])
def test_the_map_limits_reach_the_function_that_plans(parameter, variable):
    variables = source_template()["Resources"]["BatchFunction"]["Properties"]["Environment"]["Variables"]
    assert variables[variable] == {"Ref": parameter}


def test_the_function_gets_exactly_the_settings_it_reads():
    from modelops.batch.settings import BatchSettings

    variables = source_template()["Resources"]["BatchFunction"]["Properties"]["Environment"]["Variables"]
    read = {field.alias for field in BatchSettings.model_fields.values()}
    assert set(variables) - {"POWERTOOLS_SERVICE_NAME"} == read
