"""Inference API behind API Gateway: POST /predict, POST /feedback, GET /model, GET /openapi.json.

The model is loaded at init (once per execution environment); the logic lives in the shared
`modelops` package (SharedLayer), so this file only wires routes, errors and telemetry.
"""
from functools import cache
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.api.body import JSON_MEDIA_TYPE, BodyRefused, checked_body_event
from modelops.api.contract import (FEEDBACK_RESPONSES, MODEL_RESPONSES, OPENAPI_RESPONSES, PREDICT_RESPONSES, Explain,
                                   TopK, model_document, openapi_document)
from modelops.api.errors import error_response, request_error_response, validation_error_response
from modelops.api.feedback_request import FeedbackRequest, check_labels
from modelops.api.json_body import parse_json_body
from modelops.api.metrics import InferenceMetric, record, record_for_version
from modelops.api.predict_request import predict_request_model
from modelops.api.responses import predict_body
from modelops.artifacts.bundle import BUNDLE_DIR, bundled_store
from modelops.artifacts.loader import LoadedModel, ModelUnavailable, load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.capture.records import CaptureWriter, feedback_records, prediction_records
from modelops.platform.aws_clients import client
from modelops.platform.errors import RequestError
from modelops.platform.json_encoding import dumps as json_dumps
from modelops.platform.snapstart import make_unique_after_restore, register
from modelops.platform.tracing import traced
from modelops.serving.explain import explain as explain_predictions
from modelops.serving.explanations import DEFAULT_TOP_K
from modelops.serving.model_holder import ModelHolder
from modelops.serving.prediction import predict
from modelops.serving.settings import ServingSettings

logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=parse_json_body, serializer=json_dumps)
settings = ServingSettings.from_environment()  # the one read of the environment
capture = CaptureWriter(settings.capture_sample_rate)
PredictRequest = predict_request_model(settings.max_batch_size)
# The fast path's model for an all-numeric version: numbers or null only, validated as fast as ever
# (modelops/api/predict_request.py); what it refuses, the route answers with PredictRequest.
NumbersOnlyRequest = predict_request_model(settings.max_batch_size, numbers_only=True)


def _load() -> LoadedModel:
    # The model make deploy packaged with this code, if it is the pinned one; else S3.
    store = (bundled_store(Path(__file__).with_name(BUNDLE_DIR), settings.model_name, settings.model_version,
                           settings.model_sha256) or ModelStore(client("s3"), settings.bucket))
    model = load_verified_model(store, settings.model_name, settings.model_version, settings.model_sha256,
                                settings.runtime)
    record(metrics, InferenceMetric.MODEL_LOAD_TIME, model.load_seconds * 1000)
    logger.info("model loaded", extra={"model_version": settings.model_version, "load_seconds": model.load_seconds})
    return model


def _load_failed(failure: ModelUnavailable) -> None:
    record(metrics, InferenceMetric.MODEL_LOAD_FAILURES)
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
        predict(model, model.inputs.missing_rows(1))
    except ModelUnavailable:
        pass


register(_prime_before_snapshot, make_unique_after_restore)


@app.exception_handler(RequestError)
def request_error(error: RequestError):
    """Every refusal the code makes (unknown features, unscorable values, unknown labels, no model,
    ...), whichever layer found it: one shape, one count."""
    if isinstance(error, ModelUnavailable):
        record(metrics, InferenceMetric.MODEL_UNAVAILABLE)  # the dashboard's, all versions
        # The rollback alarm's: 503s of the version being replaced (say, the one without a model
        # during a first rollout) must never roll back a good release.
        record_for_version(InferenceMetric.MODEL_UNAVAILABLE, settings.function_version)
    else:
        record(metrics, InferenceMetric.INVALID_REQUESTS)
    return request_error_response(error)


@app.exception_handler(RequestValidationError)
def invalid_request(error: RequestValidationError):
    record(metrics, InferenceMetric.INVALID_REQUESTS)
    return validation_error_response([*error.errors(), *_kind_problems(error)])


def _kind_problems(error: RequestValidationError) -> list[dict]:
    """POST /predict's values of the wrong type for their feature's kind (a string for a number),
    which the generic schema takes and the route would refuse: listed beside the schema's own
    problems, so one 422 names them all (only on this refusal path; the body is parsed again)."""
    model = model_holder.loaded
    if model is None or app.current_event.path != "/predict":
        return []
    try:
        parsed = parse_json_body(app.current_event.body or "")
    except (ValueError, RequestError):
        return []
    known = {".".join(map(str, problem.get("loc", ()))) for problem in error.errors()}
    return [{"loc": ("body", *detail["location"].split(".", 2)), "msg": detail["message"], "type": "feature_kind"}
            for detail in model.inputs.kind_problems(parsed) if f"body.{detail['location']}" not in known]


def _capture(records: list[dict], written: InferenceMetric) -> int:
    """Write capture records and count them; returns how many could not be written."""
    failed = capture.write(records)
    record(metrics, written, len(records) - failed)
    if failed:
        record(metrics, InferenceMetric.CAPTURE_FAILURES, failed)
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
    return _predict(request.instances, explain, top_k, numbers_only=False)


def _predict(instances: list[dict], explain: bool, top_k: int, numbers_only: bool) -> Response:
    """POST /predict's answer. numbers_only: the instances were validated as numbers or null only
    (NumbersOnlyRequest), so an all-numeric version takes them as they are."""
    model = model_holder.get()
    # Each value checked against its feature's kind; categories training never saw noted for the response.
    taken = model.inputs.model_input(instances, numbers_only)
    predictions = predict(model, taken.matrix)
    # Before capture: a request that fails here returns no prediction ids to label.
    explanations = explain_predictions(model, taken.matrix, predictions, top_k) if explain else None
    record(metrics, InferenceMetric.PREDICTIONS, len(predictions))
    name, version = model.manifest.name, model.manifest.version
    # Captured as the model took them (a category stripped, true as 1.0), so the monitor profiles
    # exactly its input; an all-numeric request sent as numbers is that already.
    _capture(capture.sampled(prediction_records(name, version, taken.instances, predictions.ids,
                                                predictions.outputs)), InferenceMetric.CAPTURED_RECORDS)
    # Serialized here, in one orjson call: handed a dict, Powertools would walk it with its generic
    # encoder first (about 0.4 ms for 100 predictions). The 200 body's schema is PREDICT_RESPONSES'.
    return Response(200, content_types.APPLICATION_JSON,
                    predict_body(name, version, predictions, explanations, taken.unseen))


@app.post("/feedback", responses=FEEDBACK_RESPONSES)
def feedback_route(request: FeedbackRequest):  # returns a Response: 202, not 200
    model = model_holder.get()
    labels = check_labels(request, model.manifest.classes, regression=model.manifest.task == "regression")
    records = feedback_records(model.manifest.name, model.manifest.version, labels)
    failed = _capture(records, InferenceMetric.FEEDBACK_LABELS)  # ground truth is never sampled away
    if failed:
        return error_response(503, "capture_failed", f"{failed} label(s) could not be recorded; send them again.")
    return Response(202, content_types.APPLICATION_JSON, json_dumps({"accepted": len(records)}))


@app.get("/model", responses=MODEL_RESPONSES)
def model_route() -> dict:
    return model_holder.get().manifest.summary()


@app.get("/openapi.json", responses=OPENAPI_RESPONSES)
def openapi_route() -> dict:
    # No model needed: the generic contract is served even while the model is unavailable; with one,
    # the document names its features and classes (cached per loaded version).
    try:
        model = model_holder.get()
    except ModelUnavailable:
        return openapi_document(app)
    return _model_document(model.manifest.name, model.manifest.version)


@cache
def _model_document(name: str, version: str) -> dict:
    manifest = model_holder.get().manifest
    return model_document(openapi_document(app), manifest.features, manifest.classes)


def _content_types_are_json(event: dict) -> bool:
    headers = event.get("headers") or {}
    return all(value == JSON_MEDIA_TYPE for name, value in headers.items() if name.lower() == "content-type")


def _predict_directly(event: dict) -> dict | None:
    """POST /predict's accepted requests, answered without the resolver's per-request work (event
    wrappers, query, header and cookie normalisation, the middleware chain): about half of a warm
    ONNX request, for nothing such a request needs. None for anything else, which app.resolve answers.

    Taken only when the resolver would do exactly this: the path and method of predict_route, no
    query string (so its defaults, as the resolver passes them), a body (checked_body_event made it
    UTF-8 text with a JSON Content-Type or none: the resolver parses it as JSON), parsed by the
    resolver's deserializer and validated by the same model, or, for a loaded all-numeric version,
    by NumbersOnlyRequest (which accepts less, as fast as ever). A body that does not parse or
    validate returns None, so every refusal of the request's shape is the resolver's own, word for
    word; what the route raises goes to the handler the resolver would pick (app.exception_handler)."""
    body = event.get("body")
    if (event.get("path") != "/predict" or event.get("httpMethod") != "POST" or event.get("queryStringParameters")
            or event.get("multiValueQueryStringParameters") or not body or not isinstance(body, str)
            or not _content_types_are_json(event)):
        return None
    loaded = model_holder.loaded
    numbers_only = loaded is not None and not loaded.inputs.mixed
    try:
        request = (NumbersOnlyRequest if numbers_only else PredictRequest).model_validate(parse_json_body(body))
    except (ValueError, RequestError):  # JSONDecodeError and pydantic's ValidationError are ValueErrors
        return None
    try:
        response = _predict(request.instances, False, DEFAULT_TOP_K, numbers_only)
    except Exception as error:
        response = app.exception_handler_manager.lookup_exception_handler(type(error))(error)
    return ResponseBuilder(response).build(APIGatewayProxyEvent(event))


def _request_id(event: dict) -> str | None:
    """What correlation_paths.API_GATEWAY_REST ("requestContext.requestId") selects, read directly:
    the Logger's JMESPath query for it cost about 10 µs of every request."""
    request_context = event.get("requestContext")
    return request_context.get("requestId") if isinstance(request_context, dict) else None


@logger.inject_lambda_context
@traced
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    logger.set_correlation_id(_request_id(event))  # first: every log line of the request carries it
    try:
        event = checked_body_event(event, settings.max_body_bytes)
    except BodyRefused as refused:
        # Before routing, so answered here in the shape the resolver gives every response.
        record(metrics, InferenceMetric.INVALID_REQUESTS)
        logger.info("request body refused", extra={"code": refused.code, "status": refused.status})
        return ResponseBuilder(request_error_response(refused)).build(APIGatewayProxyEvent(event))
    return _predict_directly(event) or app.resolve(event, context)
