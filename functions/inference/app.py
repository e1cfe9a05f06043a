"""Inference API behind API Gateway: POST /predict, POST /feedback, GET /model, GET /openapi.json.

The model is loaded at init (once per execution environment); the logic lives in the shared
`modelops` package (SharedLayer), so this file only wires routes, errors and telemetry.
"""
import os

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.api.contract import (FEEDBACK_RESPONSES, MODEL_RESPONSES, OPENAPI_RESPONSES, PREDICT_RESPONSES, Explain,
                                   TopK, openapi_document)
from modelops.api.errors import error_response, validation_error_response
from modelops.platform.aws_clients import client
from modelops.platform.tracing import traced
from modelops.capture.records import CaptureWriter, feedback_records, prediction_records
from modelops.api.feedback_request import FeedbackRequest, UnknownLabels, check_labels
from modelops.api.json_body import parse_json_body
from modelops.platform.json_encoding import dumps as json_dumps
from modelops.serving.model_holder import ModelHolder
from modelops.artifacts.loader import LoadedModel, ModelUnavailable, load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.serving.explanations import DEFAULT_TOP_K
from modelops.artifacts.features import UnknownFeatures, instances_to_matrix
from modelops.serving.prediction import predict
from modelops.serving.explain import ExplanationUnavailable, explain_predictions
from modelops.api.predict_request import PredictRequest
from modelops.api.body import BodyRefused, checked_body_event
from modelops.serving.scoring import UnscorableInstances
from modelops.serving.settings import ServingSettings
from modelops.platform.snapstart import make_unique_after_restore, register

logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=parse_json_body, serializer=json_dumps)
settings = ServingSettings.from_environment()
capture = CaptureWriter(settings.capture_sample_rate)


def _load() -> LoadedModel:
    store = ModelStore(client("s3"), settings.bucket)
    model = load_verified_model(store, settings.model_name, settings.model_version, settings.model_sha256,
                                settings.runtime)
    metrics.add_metric(name="ModelLoadTime", unit=MetricUnit.Milliseconds, value=model.load_seconds * 1000)
    logger.info("model loaded", extra={"model_version": settings.model_version, "load_seconds": model.load_seconds})
    return model


def _load_failed(failure: ModelUnavailable) -> None:
    metrics.add_metric(name="ModelLoadFailures", unit=MetricUnit.Count, value=1)
    logger.error("model unavailable", extra={"reason": failure.reason, "detail": failure.message})


model_holder = ModelHolder(_load, _load_failed)
try:
    model_holder.get()  # at init, so the first request does not pay for it
except ModelUnavailable:
    pass  # remembered by the holder; requests answer 503 and retry


def _prime_before_snapshot() -> None:
    """SnapStart: one prediction (all features missing: the imputer fills them) so the snapshot
    holds warm code paths. A model that failed to load is retried here, and if it still fails the
    snapshot holds the failure, which the first request after restore retries."""
    try:
        model = model_holder.get()
        predict(model, instances_to_matrix([{}], model.manifest.feature_names))
    except ModelUnavailable:
        pass


register(_prime_before_snapshot, make_unique_after_restore)


# The published version this environment runs ("$LATEST" outside an alias): CodeDeploy's rollback
# alarm watches ModelUnavailable of the new version only, so 503s of the version being replaced
# (the one without a model, in a first rollout) never roll back a good release.
FUNCTION_VERSION = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")


@app.exception_handler(ModelUnavailable)
def model_unavailable(failure: ModelUnavailable):
    metrics.add_metric(name="ModelUnavailable", unit=MetricUnit.Count, value=1)  # the dashboard's, all versions
    with single_metric(name="ModelUnavailable", unit=MetricUnit.Count, value=1,
                       default_dimensions={"function_version": FUNCTION_VERSION}):
        pass  # written when the block ends, with the service dimension too
    return error_response(503, f"model_unavailable.{failure.reason}", failure.message)


@app.exception_handler(RequestValidationError)
def invalid_request(error: RequestValidationError):
    metrics.add_metric(name="InvalidRequests", unit=MetricUnit.Count, value=1)
    return validation_error_response(error.errors())


@app.exception_handler(UnknownFeatures)
def unknown_features(error: UnknownFeatures):
    metrics.add_metric(name="InvalidRequests", unit=MetricUnit.Count, value=1)
    known = ", ".join(model_holder.get().manifest.feature_names)
    return error_response(422, "unknown_feature", f"Unknown feature name(s). Known features: {known}.", error.details)


@app.exception_handler(UnscorableInstances)
def unscorable_instances(error: UnscorableInstances):
    metrics.add_metric(name="InvalidRequests", unit=MetricUnit.Count, value=1)
    return error_response(422, "unscorable_instance",
                          "The model cannot score these values (they overflow its arithmetic); send realistic magnitudes.",
                          error.details)


@app.exception_handler(ExplanationUnavailable)
def explanation_unavailable(error: ExplanationUnavailable):
    metrics.add_metric(name="InvalidRequests", unit=MetricUnit.Count, value=1)
    return error_response(422, "explanation_unavailable", str(error))


@app.exception_handler(UnknownLabels)
def unknown_labels(error: UnknownLabels):
    metrics.add_metric(name="InvalidRequests", unit=MetricUnit.Count, value=1)
    return error_response(422, "unknown_label", "Labels must be classes of the deployed model.", error.details)


def _record(records: list[dict], written_metric: str) -> int:
    """Write capture records and count them; returns how many could not be written."""
    failed = capture.write(records)
    metrics.add_metric(name=written_metric, unit=MetricUnit.Count, value=len(records) - failed)
    if failed:
        metrics.add_metric(name="CaptureFailures", unit=MetricUnit.Count, value=failed)
    return failed


# The routes below, by path. Powertools answers a known path with another method as not found;
# this table turns that into a 405 that names the allowed method (tests check it against the routes).
ALLOWED_METHODS = {"/predict": "POST", "/feedback": "POST", "/model": "GET", "/openapi.json": "GET"}


@app.not_found
def route_not_found(_):
    method, path = app.current_event.http_method, app.current_event.path
    allowed = ALLOWED_METHODS.get(path.rstrip("/") or "/")
    if allowed:
        response = error_response(405, "method_not_allowed", f"{path} accepts {allowed}, not {method}.")
        response.headers["Allow"] = allowed
        return response
    return error_response(404, "not_found", f"No route {method} {path}.")


@app.exception_handler(Exception)
def unexpected(error: Exception):
    logger.exception("unhandled error")
    return error_response(500, "internal_error", "Internal error; it has been logged.")


# No @tracer.capture_method on the routes: the handler's segment and the patched botocore calls are
# the trace; a subsegment per route cost more per request than the ONNX model's whole prediction.
@app.post("/predict", responses=PREDICT_RESPONSES)
def predict_route(request: PredictRequest, explain: Explain = False, top_k: TopK = DEFAULT_TOP_K):
    model = model_holder.get()
    matrix = instances_to_matrix(request.instances, model.manifest.feature_names)
    predictions = predict(model, matrix)
    if explain:  # before capture: a request that fails here returns no prediction ids to label
        explain_predictions(model, matrix, predictions, top_k)
    metrics.add_metric(name="Predictions", unit=MetricUnit.Count, value=len(predictions))
    name, version = model.manifest.name, model.manifest.version
    _record(capture.sampled(prediction_records(name, version, request.instances, predictions)), "CapturedRecords")
    # Serialized here, in one orjson call: handed a dict, Powertools would walk it with its generic
    # encoder first (about 0.4 ms for 100 predictions). The 200 body's schema is PREDICT_RESPONSES'.
    return Response(200, content_types.APPLICATION_JSON,
                    json_dumps({"model": {"name": name, "version": version}, "predictions": predictions}))


@app.post("/feedback", responses=FEEDBACK_RESPONSES)
def feedback_route(request: FeedbackRequest):  # returns a Response: 202, not 200
    model = model_holder.get()
    labels = check_labels(request, model.manifest.classes)
    records = feedback_records(model.manifest.name, model.manifest.version, labels)
    failed = _record(records, "FeedbackLabels")  # ground truth is never sampled away
    if failed:
        return error_response(503, "capture_failed", f"{failed} label(s) could not be recorded; send them again.")
    return Response(202, content_types.APPLICATION_JSON, json_dumps({"accepted": len(records)}))


@app.get("/model", responses=MODEL_RESPONSES)
def model_route() -> dict:
    return model_holder.get().manifest.summary()


@app.get("/openapi.json", responses=OPENAPI_RESPONSES)
def openapi_route() -> dict:
    # No model needed: the contract is the code's, so it is served even while the model is unavailable.
    return openapi_document(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@traced
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    try:
        event = checked_body_event(event, settings.max_body_bytes)
    except BodyRefused as refused:
        return _refused(event, refused)
    return app.resolve(event, context)


def _refused(event: dict, refused: BodyRefused) -> dict:
    """A body refused before routing, answered in the shape the resolver gives every response."""
    metrics.add_metric(name="InvalidRequests", unit=MetricUnit.Count, value=1)
    logger.info("request body refused", extra={"code": refused.code, "status": refused.status})
    return ResponseBuilder(error_response(refused.status, refused.code, refused.message)).build(APIGatewayProxyEvent(event))
