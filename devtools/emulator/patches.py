"""Fixes to LocalStack 4.14 bugs and gaps that stop this project's stack from deploying or from
working as on AWS (the capture path), applied when
LocalStack starts (hook `localstack.hooks.on_infra_start`, registered by
devtools/emulator/plugin/pyproject.toml) and only when the start helper asks for them
(EMULATOR_PATCHES=1): a LocalStack started otherwise from the venv stays as released.

Each patch says the bug, the template construct that meets it and what AWS does."""
import gzip
import logging
import os
import uuid
from datetime import datetime, timezone
from typing import Any

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)


def _as_mapping_key(value: Any) -> Any:
    # bool is an int: leave it alone (a Number parameter never resolves to one).
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _patch_find_in_map_number_keys() -> None:
    """`!FindInMap [MonitorRate, !Ref MonitorRateMinutes, Seconds]`: the v2 engine resolves a
    Number parameter to an int and looks it up among the mapping's keys, which are strings, so the
    lookup misses and building its error message fails (`"::".join` of an int): CreateChangeSet
    answers 500 "sequence item 1: expected str instance, int found". AWS passes parameter values
    as strings, so the key is "60"."""
    from localstack.services.cloudformation.engine.v2.change_set_model_preproc import ChangeSetModelPreproc
    from localstack.utils.patch import patch

    @patch(ChangeSetModelPreproc._resolve_mapping)
    def _resolve_mapping(fn: Any, self: Any, map_name: str, top_level_key: Any, second_level_key: Any) -> Any:
        return fn(self, map_name, _as_mapping_key(top_level_key), _as_mapping_key(second_level_key))


def _patch_skip_absent_local_transforms() -> None:
    """CreateChangeSet of this stack never returned (5+ minutes at 100% CPU, 2 GB and growing):
    before the SAM transform, the v2 engine walks every resource to find local `Fn::Transform`s,
    resolving each Ref/GetAtt by walking into the resource it names (py-spy: 37 resources deep), and
    the work grows with the reference paths (Globals' KMS key, roles, log groups...). The template
    has no local Fn::Transform: skip the walk when neither template contains one (all it looks for)."""
    import json

    from localstack.services.cloudformation.engine.v2.change_set_model_transform import ChangeSetModelTransform
    from localstack.utils.patch import patch

    @patch(ChangeSetModelTransform._execute_local_transforms)
    def _execute_local_transforms(fn: Any, self: Any) -> Any:
        templates = [t for t in (self._before_template, self._after_template) if isinstance(t, dict)]
        if any('"Fn::Transform"' in json.dumps(t.get("Resources", {}), default=str) for t in templates):
            return fn(self)
        return None


def _patch_firehose_generated_name() -> None:
    """CaptureDeliveryStream (AWS::KinesisFirehose::DeliveryStream without DeliveryStreamName):
    the provider generates a name for the create call but keeps it out of the resource model, so
    its next step reads the name from the model: CREATE_FAILED "Resource provider operation
    failed: 'DeliveryStreamName'". CloudFormation generates the name and keeps it, as done here."""
    from localstack.services.cloudformation.provider_utils import generate_default_name
    from localstack.services.kinesisfirehose.resource_providers.aws_kinesisfirehose_deliverystream import (
        KinesisFirehoseDeliveryStreamProvider,
    )
    from localstack.utils.patch import patch

    @patch(KinesisFirehoseDeliveryStreamProvider.create)
    def create(fn: Any, self: Any, request: Any) -> Any:
        if not request.desired_state.get("DeliveryStreamName"):
            request.desired_state["DeliveryStreamName"] = generate_default_name(
                request.stack_name, request.logical_resource_id)
        return fn(self, request)


class _ReferenceCycle(Exception):
    pass


def _patch_update_references() -> None:
    """Two bugs of the v2 engine's update modelling (a second `sam deploy`), both in how it follows
    an unchanged Ref/GetAtt into the resource it names:
    - It models the template as written, before the SAM transform, where this template has
      reference cycles that SAM resolves (InferenceFunction's DeploymentPreference names
      LiveAliasErrorsAlarm, whose dimensions name InferenceFunction; InferenceDeploymentRole
      likewise): CreateChangeSet answered 500 "maximum recursion depth exceeded". A create does not
      follow references; the transformed template, which is deployed, has no cycle. Here a reference
      back into a resource being modelled counts as modified (at worst, an extra update).
    - A Ref to a resource updated in place counted as a changed value (its TODO says so), so a
      create-only property holding it forced a replacement: with the function's configuration
      changed, `live` (InferenceFunctionAlias, FunctionName: !Ref InferenceFunction) was
      "replaced", i.e. created again: UPDATE_FAILED "Alias already exists". On AWS a Ref changes
      only when its resource is replaced: so here."""
    from localstack.services.cloudformation.engine.v2.change_set_model import (
        ChangeSetModel,
        ChangeType,
        TerminalValue,
    )
    from localstack.utils.patch import patch

    @patch(ChangeSetModel._visit_resource)
    def _visit_resource(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["resource_name"] if "resource_name" in kwargs else args[1]
        visiting: set[str] = self.__dict__.setdefault("_emulator_visiting", set())
        if name in visiting:
            raise _ReferenceCycle(name)
        visiting.add(name)
        try:
            return fn(self, *args, **kwargs)
        finally:
            visiting.discard(name)

    def is_resource(model: Any, name: Any) -> bool:
        templates = [t for t in (model._before_template, model._after_template) if isinstance(t, dict)]
        return isinstance(name, str) and any(name in t.get("Resources", {}) for t in templates)

    @patch(ChangeSetModel._resolve_intrinsic_function_ref)
    def _resolve_intrinsic_function_ref(fn: Any, self: Any, arguments: Any) -> Any:
        try:
            change = fn(self, arguments)
        except _ReferenceCycle:
            return ChangeType.MODIFIED
        if (change == ChangeType.MODIFIED and isinstance(arguments, TerminalValue)
                and arguments.change_type == ChangeType.UNCHANGED and is_resource(self, arguments.value)
                and not self._retrieve_or_visit_resource(arguments.value).requires_replacement):  # cached
            return ChangeType.UNCHANGED
        return change

    @patch(ChangeSetModel._resolve_intrinsic_function_fn_get_att)
    def _resolve_intrinsic_function_fn_get_att(fn: Any, self: Any, arguments: Any) -> Any:
        try:
            return fn(self, arguments)
        except _ReferenceCycle:
            return ChangeType.MODIFIED


def _patch_lambda_alias_update() -> None:
    """InferenceFunctionAlias (`live`, AutoPublishAlias): LocalStack's AWS::Lambda::Alias has no
    update, so a deploy that publishes a new version either leaves `live` on the old version (the
    engine reports the unimplemented update as done) or, as here, falls back to CreateAlias:
    UPDATE_FAILED "ResourceConflictException ... Alias already exists". CloudFormation updates the
    alias in place (UpdateAlias); so does this. (CodeDeploy, which shifts `live` on AWS, does not
    exist here: the alias moves all at once.)"""
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent
    from localstack.services.lambda_.resource_providers.lambda_alias import LambdaAliasProvider
    from localstack.utils.patch import patch

    @patch(LambdaAliasProvider.update, pass_target=False)  # its own only raises NotImplementedError
    def update(self: Any, request: Any) -> Any:
        model = request.desired_state
        lambda_ = request.aws_client_factory.lambda_
        optional = {key: model[key] for key in ("Description", "RoutingConfig") if model.get(key) is not None}
        alias = lambda_.update_alias(FunctionName=model["FunctionName"], Name=model["Name"],
                                     FunctionVersion=model["FunctionVersion"], **optional)
        model["Id"] = alias["AliasArn"]
        if model.get("ProvisionedConcurrencyConfig"):
            lambda_.put_provisioned_concurrency_config(
                FunctionName=model["FunctionName"], Qualifier=model["Name"],
                ProvisionedConcurrentExecutions=model["ProvisionedConcurrencyConfig"]["ProvisionedConcurrentExecutions"])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


def _patch_result_writer_paths() -> None:
    """A Distributed Map's ResultWriter `Parameters` paths (BatchScoringStateMachine:
    `"Bucket.$": "$.results.bucket"`) are evaluated by AWS against the Map state's input; LocalStack
    4.14 evaluates them against the Map's results (a list), fails with NoSuchJsonPathError, and the
    Map fails after every child succeeded. Here they see the state's input, as on AWS."""
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.result_writer.result_writer_decl import ResultWriter
    from localstack.utils.patch import patch

    @patch(ResultWriter._eval_body)
    def _eval_body(fn: Any, self: Any, env: Any) -> None:
        results = env.stack.pop()
        env.stack.append(env.states.get_input())
        self.parargs.eval(env=env)
        parameters = env.stack.pop()
        env.stack.pop()  # the state's input
        env.stack.extend([results, parameters])  # what the S3 resource expects: results, then parameters
        self.resource_eval.eval_resource(env=env)


def _patch_capture_delivery() -> None:
    """The capture path (function logs -> subscription filter -> Firehose -> S3 capture/), which the
    monitor reads. LocalStack 4.14 breaks it at every hop; each fix is AWS's behaviour, in
    devtools/emulator/delivery.py (unit-tested):
    - LoggingConfig.LogGroup (InferenceFunction logs to /<stack>/inference, where the subscription
      filter is) is ignored: every function logs to /aws/lambda/<name>. Honoured here.
    - A log stream cannot be created in a log group with a subscription filter (below).
    - Subscription filter patterns are not applied (the community edition matches every event, so
      START/END/REPORT lines and application logs would reach Firehose): JSON patterns of
      comparisons joined by && and || are applied here; any other pattern keeps LocalStack's
      match-everything, with a warning.
    - Firehose runs only Lambda processors: Decompression, CloudWatchLogProcessing
      (DataMessageExtraction) and AppendDelimiterToRecord are run here.
    - S3 destinations: `!{timestamp:...}` in the prefix is left as text (with LocalStack's own
      YYYY/MM/DD/HH/ appended), and CompressionFormat GZIP is ignored. Evaluated and gzip'd here
      (with Firehose's .gz extension).
    Delivery is at once, not after the 60 s buffer (LocalStack does not buffer)."""
    import base64

    from localstack.services.firehose.provider import FirehoseProvider
    from localstack.services.lambda_.invocation.execution_environment import ExecutionEnvironment
    from localstack.services.logs import provider as logs_provider
    from localstack.utils.patch import patch

    from devtools.emulator.delivery import PROCESSORS, evaluate_prefix, json_filter

    @patch(ExecutionEnvironment.get_log_group_name)
    def get_log_group_name(fn: Any, self: Any) -> str:
        return (self.function_version.config.logging_config or {}).get("LogGroup") or fn(self)

    match_all = logs_provider.get_pattern_matcher

    def get_pattern_matcher(pattern: str) -> Any:
        matcher = json_filter(pattern or "")
        if matcher is None:
            if pattern:
                LOG.warning("Log filter pattern %r not emulated: every event matches", pattern)
            return match_all(pattern)
        return lambda _pattern, event: matcher(event.get("message", ""))

    logs_provider.get_pattern_matcher = get_pattern_matcher  # read as a module global at each call

    # CreateLogStream in a log group with a subscription filter fails: LocalStack's own patch of it
    # indexes what moto returns (dict_values, and SubscriptionFilter objects, not dicts): 500
    # "'dict_values' object is not subscriptable". The Lambda log handler creates the stream of each
    # new execution environment that way, so the first logs of every cold start (there: the first
    # capture record) were dropped. Moto's own create_log_stream, then what LocalStack meant to set.
    from localstack.utils.patch import Patch
    from moto.logs.models import LogGroup as MotoLogGroup

    create_stream = next(p.old for p in Patch.applied_patches
                         if p.obj is MotoLogGroup and p.name == "create_log_stream")

    def create_log_stream(self: Any, log_stream_name: str) -> None:
        create_stream(self, log_stream_name)
        filters = list(self.describe_subscription_filters())
        self.streams[log_stream_name].filter_pattern = filters[0].filter_pattern if filters else None

    MotoLogGroup.create_log_stream = create_log_stream

    @patch(FirehoseProvider._preprocess_records)
    def _preprocess_records(fn: Any, self: Any, processor: dict, records: list) -> list:
        process = PROCESSORS.get(processor.get("Type"))
        if process is None:
            return fn(self, processor, records)
        processed = []
        for record in records:
            key = "Data" if "Data" in record else "data"
            output = process(base64.b64decode(record[key]))
            if output is not None:  # None: the record is dropped (a CONTROL_MESSAGE)
                processed.append({**record, key: base64.b64encode(output)})
        return processed

    @patch(FirehoseProvider._put_records_to_s3_bucket)
    def _put_records_to_s3_bucket(fn: Any, self: Any, stream_name: str, records: list, description: dict) -> Any:
        if not records:
            return None  # everything filtered out: Firehose writes no object
        if description.get("CompressionFormat") == "GZIP":
            joined = b"".join(base64.b64decode(r.get("Data") or r.get("data")) for r in records)
            records = [{"Data": base64.b64encode(gzip.compress(joined))}]
            description = {**description, "FileExtension": description.get("FileExtension") or ".gz"}
        return fn(self, stream_name, records, description)

    @patch(FirehoseProvider._get_s3_object_path)
    def _get_s3_object_path(fn: Any, self: Any, stream_name: str, prefix: str, file_extension: str) -> str:
        now = datetime.now(timezone.utc)
        evaluated, dynamic = evaluate_prefix(prefix or "", now)
        if not dynamic:
            return fn(self, stream_name, evaluated, file_extension)
        return f"{evaluated}{stream_name}-{now:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}{file_extension or ''}"


@hooks.on_infra_start()
def apply_emulator_patches() -> None:
    if os.environ.get("EMULATOR_PATCHES") != "1":
        return
    _patch_find_in_map_number_keys()
    _patch_skip_absent_local_transforms()
    _patch_firehose_generated_name()
    _patch_update_references()
    _patch_lambda_alias_update()
    _patch_result_writer_paths()
    _patch_capture_delivery()
    LOG.info("Emulator patches applied (devtools/emulator/patches.py)")
