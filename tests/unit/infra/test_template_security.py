"""Security rules of template.yaml that checkov cannot see (SAM routes become inline OpenAPI; bucket
policies, key policies and the wiring between them are not its checks) or that it sees only in
part. Each rule is a check_* function of the decoded template. Every test runs it on the template
as written and on the CloudFormation SAM's translator makes of it (the `expanded` fixture: what is
really deployed, SAM-generated roles, stages and permissions included);
test_each_check_fails_on_a_broken_template shows that each one fails when the rule is broken."""
import copy
import re
from typing import Any, Callable, Iterator

import pytest
from cfnlint.decode import cfn_yaml

from tests.unit.infra.test_template import TEMPLATE, get_att, resources

KEY = "EncryptionKey"
KEY_ARN = {"Fn::GetAtt": [KEY, "Arn"]}
LOG_BUCKET = "AccessLogBucket"
# Log groups are named /<stack>/...: the key policy lets CloudWatch Logs use the key for those only.
LOG_GROUP_PREFIX = "/${AWS::StackName}/"
LOG_GROUP_ARN_PATTERN = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/${AWS::StackName}/*"

# Statements of the project's own policies allowed a wildcard action or resource, and why.
WILDCARD_ALLOWED = {
    ("InferenceFunctionRole", "WriteTraces"):
        "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions: AWS requires '*'",
    ("MonitorFunctionRole", "WriteTraces"):
        "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions: AWS requires '*'",
    ("BatchFunctionRole", "WriteTraces"):
        "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions: AWS requires '*'",
    ("BatchStateMachineRole", "WriteTraces"):
        "X-Ray's trace and sampling actions have no resource-level permissions: AWS requires '*'",
    ("BatchStateMachineRole", "DeliverExecutionLogs"):
        "CloudWatch Logs' vended-log delivery actions (CreateLogDelivery, PutResourcePolicy, ...) have no "
        "resource-level permissions: AWS requires '*' for a state machine's logging",
    ("MonitorBackfillFunctionRole", "WriteTraces"):
        "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions: AWS requires '*'",
    ("MonitorBackfillStateMachineRole", "WriteTraces"):
        "X-Ray's trace and sampling actions have no resource-level permissions: AWS requires '*'",
    ("MonitorBackfillStateMachineRole", "DeliverExecutionLogs"):
        "CloudWatch Logs' vended-log delivery actions (CreateLogDelivery, PutResourcePolicy, ...) have no "
        "resource-level permissions: AWS requires '*' for a state machine's logging",
    (KEY, "AccountAdministersTheKey"):
        "AWS's default key-policy statement: kms:* for the account root lets IAM policies grant use of the key "
        "(without it the key becomes unmanageable); Resource '*' in a key policy is the key itself",
    (KEY, "CloudWatchLogsEncryptsTheStacksLogGroups"):
        "AWS's documented statement for CloudWatch Logs (Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, "
        "Describe*), limited to the stack's log groups by the encryption-context condition; Resource '*' is the key",
    (KEY, "CloudWatchAlarmsPublishToTheAlertTopic"):
        "AWS's documented statement for alarms publishing to an encrypted topic (kms:GenerateDataKey*); "
        "Resource '*' is the key",
}
# AWS managed policies the template attaches, and why.
MANAGED_POLICIES_ALLOWED = {
    ("ApiGatewayCloudWatchRole", "AmazonAPIGatewayPushToCloudWatchLogs"):
        "the region-wide role API Gateway logs with serves every API in the region, whose log groups API "
        "Gateway names itself: AWS's policy for exactly that role",
}
# What each function may do with the key, and through which service only.
KEY_USE = {
    "InferenceFunctionRole": {("kms:Decrypt", "s3")},
    "MonitorFunctionRole": {("kms:Decrypt", "s3"), ("kms:GenerateDataKey", "s3"), ("kms:Decrypt", "sns"),
                            ("kms:GenerateDataKey", "sns"), ("kms:Decrypt", "sqs"), ("kms:GenerateDataKey", "sqs")},
    "MonitorScheduleRole": {("kms:Decrypt", "sqs"), ("kms:GenerateDataKey", "sqs")},
    "BatchFunctionRole": {("kms:Decrypt", "s3"), ("kms:GenerateDataKey", "s3")},
    "MonitorBackfillFunctionRole": {("kms:Decrypt", "s3"), ("kms:GenerateDataKey", "s3")},
    "BatchStateMachineRole": {("kms:Decrypt", "s3"), ("kms:GenerateDataKey", "s3")},
    "CaptureDeliveryRole": {("kms:Decrypt", "s3"), ("kms:GenerateDataKey", "s3")},
}


@pytest.fixture(scope="module", params=["as written", "expanded by SAM"])
def template(request) -> dict:
    return cfn_yaml.load(str(TEMPLATE)) if request.param == "as written" else request.getfixturevalue("expanded")


def is_expanded(template: dict) -> bool:
    return "Transform" not in template


def functions(template: dict) -> dict[str, dict]:
    return resources(template, "AWS::Lambda::Function" if is_expanded(template) else "AWS::Serverless::Function")


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) and list(value) == ["Ref"] else None


def sub_text(value: Any) -> str | None:
    """The text of a plain string or a !Sub (either form), else None (Ref, GetAtt: one resource)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and list(value) == ["Fn::Sub"]:
        body = value["Fn::Sub"]
        return body[0] if isinstance(body, list) else body
    return None


# --- API ----------------------------------------------------------------------------------------

def check_every_api_defaults_to_iam(template: dict) -> None:
    if is_expanded(template):
        return check_every_method_requires_iam(template)
    apis = resources(template, "AWS::Serverless::Api")
    assert apis, "no AWS::Serverless::Api: where do the routes go?"
    for name, api in apis.items():
        auth = api["Properties"].get("Auth", {})
        assert auth.get("DefaultAuthorizer") == "AWS_IAM", f"{name}: routes without a default authorizer"
        # SAM's default for AWS_IAM (CALLER_CREDENTIALS) would make every caller also need lambda:InvokeFunction.
        assert auth.get("InvokeRole") == "NONE", f"{name}: InvokeRole must be NONE (the function's resource policy)"
    assert not resources(template, "AWS::Serverless::HttpApi"), "an HttpApi: its routes are not under the IAM default"
    for kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Api"):
        assert not resources(template, kind), f"a raw {kind}: its routes are outside the checked Serverless::Api"


def check_every_method_requires_iam(template: dict) -> None:
    """Expanded: every method of every REST API's OpenAPI body is SigV4-only and invokes through the
    function's resource policy (no caller credentials passed on); no other way in."""
    apis = resources(template, "AWS::ApiGateway::RestApi")
    assert apis, "no REST API in the expanded template"
    methods = 0
    for name, api in apis.items():
        body = api["Properties"]["Body"]
        schemes = body.get("components", {}).get("securitySchemes", body.get("securityDefinitions", {}))
        assert schemes.get("AWS_IAM", {}).get("x-amazon-apigateway-authtype") == "awsSigv4", f"{name}: no SigV4 scheme"
        for path, operations in body["paths"].items():
            for method, operation in operations.items():
                methods += 1
                assert operation.get("security") == [{"AWS_IAM": []}], f"{name} {method} {path}: not IAM-only"
                integration = operation.get("x-amazon-apigateway-integration", {})
                assert "credentials" not in integration, f"{name} {method} {path}: invokes with caller credentials"
    assert methods >= 4, "fewer methods than the API has: walker broken?"
    for kind in ("AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Api", "AWS::Lambda::Url"):
        assert not resources(template, kind), f"a {kind}: a way in outside the checked REST API"


def check_every_route_requires_iam(template: dict) -> None:
    """Every Api event (the OpenAPI page included, once it exists) goes to a template Api whose default
    authorizer is IAM, and none opts out; no function is reachable by any other unauthenticated way."""
    if is_expanded(template):
        return check_every_method_requires_iam(template)
    apis = resources(template, "AWS::Serverless::Api")
    routes = 0
    for name, function in resources(template, "AWS::Serverless::Function").items():
        props = function["Properties"]
        url = props.get("FunctionUrlConfig")
        assert url is None or url.get("AuthType") == "AWS_IAM", f"{name}: a function URL without IAM auth"
        for event_name, event in props.get("Events", {}).items():
            assert event["Type"] != "HttpApi", f"{name}.{event_name}: an HttpApi route"
            if event["Type"] != "Api":
                continue
            routes += 1
            where = f"{name}.{event_name} ({event['Properties'].get('Method')} {event['Properties'].get('Path')})"
            # Without RestApiId SAM makes an implicit API with no authorizer at all.
            assert ref(event["Properties"].get("RestApiId")) in apis, f"{where}: not on the template's API"
            auth = event["Properties"].get("Auth", {})
            assert auth.get("Authorizer", "AWS_IAM") == "AWS_IAM", f"{where}: overrides the IAM authorizer"
            assert "InvokeRole" not in auth, f"{where}: overrides the invoke role"
    assert routes >= 3, "fewer routes than the API has: walker broken?"


def stages(template: dict) -> dict[str, dict]:
    """Where stage settings live: the Serverless::Api as written, the ApiGateway::Stage expanded."""
    kind = "AWS::ApiGateway::Stage" if is_expanded(template) else "AWS::Serverless::Api"
    return {name: resource["Properties"] for name, resource in resources(template, kind).items()}


def check_api_stage_throttles_and_logs(template: dict) -> None:
    found = stages(template)
    assert found, "no API stage"
    for name, props in found.items():
        settings = [s for s in props.get("MethodSettings", []) if s.get("ResourcePath") == "/*"
                    and s.get("HttpMethod") == "*"]
        assert len(settings) == 1, f"{name}: no stage-wide method settings"
        setting = settings[0]
        assert ref(setting.get("ThrottlingRateLimit")) == "ApiThrottlingRateLimit", f"{name}: no rate limit"
        assert ref(setting.get("ThrottlingBurstLimit")) == "ApiThrottlingBurstLimit", f"{name}: no burst limit"
        assert setting.get("DataTraceEnabled") is False, f"{name}: request bodies (model inputs) in execution logs"
        destination = sub_text(props.get("AccessLogSetting", {}).get("DestinationArn")) or ""
        group = re.search(r"log-group:\$\{(\w+)\}$", destination)
        assert group and template["Resources"][group[1]]["Type"] == "AWS::Logs::LogGroup", \
            f"{name}: access log not in one of the template's log groups"
        assert "$context.requestId" in props["AccessLogSetting"].get("Format", ""), f"{name}: access log format"
    # Reservations are optional (0 = none: an account with the default quota of 10 cannot reserve any).
    found_functions = functions(template)
    assert found_functions["InferenceFunction"]["Properties"].get("ReservedConcurrentExecutions") == {
        "Fn::If": ["ReservesConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]}, \
        "the inference function's concurrency is not the optional ReservedConcurrency parameter"
    assert found_functions["MonitorFunction"]["Properties"].get("ReservedConcurrentExecutions") == {
        "Fn::If": ["ReservesMonitorConcurrency", 1, {"Ref": "AWS::NoValue"}]}


# --- Buckets ------------------------------------------------------------------------------------

def bucket_policies(template: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for policy in resources(template, "AWS::S3::BucketPolicy").values():
        bucket = ref(policy["Properties"]["Bucket"])
        found.setdefault(bucket, []).extend(as_list(policy["Properties"]["PolicyDocument"]["Statement"]))
    return found


def denies_insecure_transport(bucket: str, statement: dict) -> bool:
    targets = as_list(statement.get("Resource"))
    return (statement.get("Effect") == "Deny" and statement.get("Principal") in ("*", {"AWS": "*"})
            and "s3:*" in as_list(statement.get("Action"))
            and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
            and get_att(targets[0]) == (bucket, "Arn") and {"Fn::Sub": f"${{{bucket}.Arn}}/*"} in targets)


def check_every_bucket_is_tls_only(template: dict) -> None:
    policies = bucket_policies(template)
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) >= 3
    for bucket in buckets:
        assert any(denies_insecure_transport(bucket, s) for s in policies.get(bucket, [])), \
            f"{bucket}: no policy denying requests without TLS (aws:SecureTransport false -> Deny) on it and its objects"


def check_every_bucket_is_encrypted_with_the_key(template: dict) -> None:
    for name, bucket in resources(template, "AWS::S3::Bucket").items():
        rules = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert len(rules) == 1, name
        default = rules[0]["ServerSideEncryptionByDefault"]
        if name == LOG_BUCKET:
            # S3 server access log delivery supports only SSE-S3 as the destination's default encryption.
            assert default == {"SSEAlgorithm": "AES256"}, f"{name}: access-log delivery needs SSE-S3"
            continue
        assert default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID") == KEY_ARN, \
            f"{name}: not SSE-KMS with the stack's key"
        assert rules[0].get("BucketKeyEnabled") is True, f"{name}: no S3 Bucket Key (one KMS call per object)"


def check_every_bucket_is_private_versioned_logged_and_retained(template: dict) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert LOG_BUCKET in buckets
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        block = props.get("PublicAccessBlockConfiguration", {})
        for setting in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
            assert block.get(setting) is True, f"{name}: {setting} is not on"
        assert props.get("OwnershipControls") == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, name
        assert props.get("VersioningConfiguration") == {"Status": "Enabled"}, f"{name}: not versioned"
        # Kept by `sam delete`, but not when the stack's first create fails and rolls back.
        assert bucket.get("DeletionPolicy") == "RetainExceptOnCreate" and bucket.get("UpdateReplacePolicy") == "Retain", \
            f"{name}: `sam delete` would destroy it, or a failed first create would leave it behind"
        policies = [p for p in resources(template, "AWS::S3::BucketPolicy").values()
                    if ref(p["Properties"]["Bucket"]) == name]
        assert policies and all(p.get("DeletionPolicy") == "RetainExceptOnCreate" for p in policies), \
            f"{name}: its policy would be deleted with the stack while the bucket stays (no TLS-only deny)"
        assert "AccessControl" not in props, f"{name}: a canned ACL"
        if name != LOG_BUCKET:
            assert ref(props.get("LoggingConfiguration", {}).get("DestinationBucketName")) == LOG_BUCKET, \
                f"{name}: no server access logging to {LOG_BUCKET}"
        assert props.get("LifecycleConfiguration", {}).get("Rules"), f"{name}: no lifecycle rules"


def lifecycle_rules(template: dict, bucket: str) -> list[dict]:
    return template["Resources"][bucket]["Properties"]["LifecycleConfiguration"]["Rules"]


def check_lifecycle_expires_capture_and_old_model_versions(template: dict) -> None:
    for prefix in ("capture/", "capture-errors/"):
        rules = [r for r in lifecycle_rules(template, "MonitoringBucket") if r.get("Prefix") == prefix]
        assert rules and ref(rules[0].get("ExpirationInDays")) == "CaptureRetentionDays", \
            f"{prefix} does not expire after CaptureRetentionDays"
    models = lifecycle_rules(template, "ModelBucket")
    assert not any("ExpirationInDays" in r or "ExpirationDate" in r for r in models), \
        "a current model version would expire: rollbacks need every published version"
    assert any(ref(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")) == "NoncurrentModelRetentionDays"
               for r in models), "noncurrent model versions do not expire after NoncurrentModelRetentionDays"


# --- Encryption key -----------------------------------------------------------------------------

def key_statements(template: dict) -> dict[str, dict]:
    statements = as_list(template["Resources"][KEY]["Properties"]["KeyPolicy"]["Statement"])
    return {s.get("Sid", f"#{i}"): s for i, s in enumerate(statements)}


def check_key_rotates_is_retained_and_grants_exactly_logs_and_alarms(template: dict) -> None:
    key = template["Resources"][KEY]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"].get("EnableKeyRotation") is True, "key rotation is off"
    assert key.get("DeletionPolicy") == "RetainExceptOnCreate", \
        "deleting the key would make the retained buckets unreadable (or a failed first create would keep it)"
    principals = []
    for sid, statement in key_statements(template).items():
        assert statement["Effect"] == "Allow", sid
        principal = statement["Principal"]
        principals.append(sub_text(principal.get("AWS")) or sub_text(principal.get("Service")))
        if principal.get("Service") == {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}:
            condition = statement.get("Condition", {}).get("ArnLike", {})
            assert sub_text(condition.get("kms:EncryptionContext:aws:logs:arn")) == LOG_GROUP_ARN_PATTERN, \
                f"{sid}: CloudWatch Logs may use the key for log groups beyond the stack's"
        if principal.get("Service") == "cloudwatch.amazonaws.com":
            assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(as_list(statement["Action"])), sid
            condition = statement.get("Condition", {})
            assert condition.get("StringEquals", {}).get("aws:SourceAccount") == {"Ref": "AWS::AccountId"}, \
                f"{sid}: any account's alarms could use the key (confused deputy)"
            assert sub_text(condition.get("ArnLike", {}).get("aws:SourceArn")) == \
                "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*", sid
    assert sorted(principals) == sorted([
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:root", "logs.${AWS::Region}.amazonaws.com",
        "cloudwatch.amazonaws.com"]), f"key policy principals: {principals}"


def check_every_log_group_expires_and_uses_the_key(template: dict) -> None:
    groups = resources(template, "AWS::Logs::LogGroup")
    assert len(groups) >= 4
    for name, group in groups.items():
        props = group["Properties"]
        assert "RetentionInDays" in props, f"{name} keeps logs forever"
        assert props.get("KmsKeyId") == KEY_ARN, f"{name}: not encrypted with the stack's key"
        assert (sub_text(props.get("LogGroupName")) or "").startswith(LOG_GROUP_PREFIX), \
            f"{name}: named outside {LOG_GROUP_PREFIX}, so the key policy does not let CloudWatch Logs use the key"


def check_everything_else_uses_the_key(template: dict) -> None:
    for name, topic in resources(template, "AWS::SNS::Topic").items():
        assert ref(topic["Properties"].get("KmsMasterKeyId")) == KEY, f"{name}: not encrypted with the stack's key"
    for name, queue in resources(template, "AWS::SQS::Queue").items():
        assert ref(queue["Properties"].get("KmsMasterKeyId")) == KEY, f"{name}: not encrypted with the stack's key"
    for name, stream in resources(template, "AWS::KinesisFirehose::DeliveryStream").items():
        assert stream["Properties"].get("DeliveryStreamEncryptionConfigurationInput") == {
            "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY_ARN}, f"{name}: not encrypted with the stack's key"
    if is_expanded(template):
        for name, function in functions(template).items():
            assert function["Properties"].get("KmsKeyArn") == KEY_ARN, f"{name}: environment not under the stack's key"
    else:
        assert template["Globals"]["Function"].get("KmsKeyArn") == KEY_ARN, "function environments: not the stack's key"


# --- IAM ----------------------------------------------------------------------------------------

def own_statements(template: dict) -> Iterator[tuple[str, dict]]:
    """(resource, statement) of every policy the template writes itself: role inline policies,
    IAM and resource policies, key policies, and any SAM function Policies statements."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy",
                                  "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
            documents = [props["PolicyDocument"]]
        elif resource["Type"] == "AWS::KMS::Key":
            documents = [props["KeyPolicy"]]
        elif resource["Type"] == "AWS::Serverless::Function":
            documents = [p for p in as_list(props.get("Policies", [])) if isinstance(p, dict) and "Statement" in p]
        for document in documents:
            for statement in as_list(document["Statement"]):
                yield name, statement


def wildcard_resource(target: Any) -> bool:
    """'*', or an ARN whose service, region, account or whole resource part is a wildcard."""
    text = sub_text(target)
    if text is None:  # Ref / GetAtt: one resource of the template
        return False
    # ${Bucket.Arn}/prefix/* is a prefix of one resource; ${AWS::Region} is one region.
    text = re.sub(r"\$\{[^}]*\}", "VAR", text).strip()
    if text == "*":
        return True
    fields = text.split(":", 5)
    return len(fields) == 6 and (any("*" in f for f in fields[2:5]) or fields[5] in ("*", "/*"))


def check_no_wildcards_in_own_policies(template: dict) -> None:
    statements = list(own_statements(template))
    assert len(statements) >= 25, "fewer statements than the template has: walker broken?"
    used = set()
    for name, statement in statements:
        if statement.get("Effect") != "Allow":
            continue  # a wildcard in a Deny only widens what is refused
        where = (name, statement.get("Sid"))
        actions = as_list(statement.get("Action", []))
        assert "NotAction" not in statement and "NotResource" not in statement, f"{where}: NotAction/NotResource"
        wild = [a for a in actions if "*" in a] + [r for r in as_list(statement.get("Resource", []))
                                                    if wildcard_resource(r)]
        if wild:
            assert where in WILDCARD_ALLOWED, f"{where}: wildcard {wild} (allowlist it with a reason if AWS requires it)"
            used.add(where)
    assert used == set(WILDCARD_ALLOWED), f"allowlisted but gone (remove them): {set(WILDCARD_ALLOWED) - used}"
    for name, role in resources(template, "AWS::IAM::Role").items():
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            policy = (sub_text(arn) or "").rsplit("/", 1)[-1]
            assert (name, policy) in MANAGED_POLICIES_ALLOWED, f"{name}: managed policy {policy} (what does it grant?)"


def check_each_function_has_its_own_least_privilege_role(template: dict) -> None:
    roles = resources(template, "AWS::IAM::Role")
    seen = set()
    for name, function in functions(template).items():
        props = function["Properties"]
        # Without Role SAM makes one with AWSLambdaBasicExecutionRole (logs:* on every log group).
        assert "Policies" not in props, f"{name}: SAM-made role; give it its own role"
        role = get_att(props.get("Role"))
        assert role and role[1] == "Arn" and role[0] in roles, f"{name}: no role of its own"
        assert role[0] not in seen, f"{name}: shares {role[0]}"
        seen.add(role[0])
        trust = as_list(roles[role[0]]["Properties"]["AssumeRolePolicyDocument"]["Statement"])
        assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}], f"{role[0]}: trust"
    # The inference function reads its own model's artifacts, nothing else in S3.
    s3 = [s for n, s in own_statements(template) if n == "InferenceFunctionRole"
          and any(a.startswith("s3:") for a in as_list(s["Action"]))]
    assert [(as_list(s["Action"]), s["Resource"]) for s in s3] == [
        (["s3:GetObject"], {"Fn::Sub": "${ModelBucket.Arn}/models/${ModelName}/*"})], s3


def check_key_use_is_scoped_to_the_key_and_a_service(template: dict) -> None:
    found: dict[str, set] = {}
    for name, statement in own_statements(template):
        actions = [a for a in as_list(statement.get("Action", [])) if a.startswith("kms:")]
        if name == KEY or not actions or statement.get("Effect") != "Allow":
            continue
        assert statement.get("Resource") == KEY_ARN, f"{name}.{statement.get('Sid')}: kms on another key"
        service = sub_text(statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")) or ""
        match = re.fullmatch(r"(\w+)\.\$\{AWS::Region\}\.amazonaws\.com", service)
        assert match, f"{name}.{statement.get('Sid')}: key use not limited to one service (kms:ViaService)"
        found.setdefault(name, set()).update((a, match[1]) for a in actions)
    assert found == KEY_USE, f"key use by role: {found}"


# Roles a service assumes, allowed no confused-deputy condition in their trust policy, and why.
TRUST_WITHOUT_CONDITION = {
    "lambda.amazonaws.com": "Lambda assumes a function's role only for functions of the role's own account",
    "apigateway.amazonaws.com": "API Gateway's account-wide CloudWatch role: API Gateway assumes it for this "
                                "account's APIs only and sends no source condition keys for it",
}
CONFUSED_DEPUTY_KEYS = {"aws:SourceAccount", "aws:SourceArn", "sts:ExternalId"}


def check_service_roles_guard_against_confused_deputies(template: dict) -> None:
    """A role a service assumes on the stack's behalf names the source (account, ARN or external
    id), so another account's resources cannot make the service use it."""
    for name, role in resources(template, "AWS::IAM::Role").items():
        for statement in as_list(role["Properties"]["AssumeRolePolicyDocument"]["Statement"]):
            services = as_list(statement.get("Principal", {}).get("Service", []))
            assert services, f"{name}: trusted by a non-service principal {statement.get('Principal')}"
            keys = {key for operator in statement.get("Condition", {}).values() for key in operator}
            for service in services:
                assert service in TRUST_WITHOUT_CONDITION or keys & CONFUSED_DEPUTY_KEYS, \
                    f"{name}: {service} may assume it with no aws:SourceAccount/aws:SourceArn/sts:ExternalId condition"


def check_every_role_is_the_templates_own(template: dict) -> None:
    """Expanded: SAM generates no role of its own (its CodeDeploy role would carry AWS's managed
    policy with Resource "*"); the deployment preference uses the template's scoped role."""
    written = cfn_yaml.load(str(TEMPLATE))
    generated = set(resources(template, "AWS::IAM::Role")) - set(resources(written, "AWS::IAM::Role"))
    assert not generated, f"roles SAM generated: {sorted(generated)}"
    for name, group in resources(template, "AWS::CodeDeploy::DeploymentGroup").items():
        assert get_att(group["Properties"]["ServiceRoleArn"]) == ("InferenceDeploymentRole", "Arn"), name


def check_exactly_one_api_stage(template: dict) -> None:
    """Expanded: only the configured stage exists (SAM adds a bare stage named "Stage", with no
    throttling, access log or tracing, unless the API sets OpenApiVersion)."""
    found = resources(template, "AWS::ApiGateway::Stage")
    assert len(found) == 1, f"API stages: {sorted(found)}"
    assert next(iter(found.values()))["Properties"]["StageName"] == {"Ref": "StageName"}


EXPANDED_ONLY: list[Callable[[dict], None]] = [
    check_every_method_requires_iam,
    check_every_role_is_the_templates_own,
    check_exactly_one_api_stage,
]


@pytest.mark.parametrize("check", EXPANDED_ONLY, ids=lambda check: check.__name__.removeprefix("check_"))
def test_expanded_template_passes(expanded, check):
    check(expanded)


CHECKS: list[Callable[[dict], None]] = [
    check_service_roles_guard_against_confused_deputies,
    check_every_api_defaults_to_iam,
    check_every_route_requires_iam,
    check_api_stage_throttles_and_logs,
    check_every_bucket_is_tls_only,
    check_every_bucket_is_encrypted_with_the_key,
    check_every_bucket_is_private_versioned_logged_and_retained,
    check_lifecycle_expires_capture_and_old_model_versions,
    check_key_rotates_is_retained_and_grants_exactly_logs_and_alarms,
    check_every_log_group_expires_and_uses_the_key,
    check_everything_else_uses_the_key,
    check_no_wildcards_in_own_policies,
    check_each_function_has_its_own_least_privilege_role,
    check_key_use_is_scoped_to_the_key_and_a_service,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__.removeprefix("check_"))
def test_template_passes(template, check):
    check(template)


# --- Each check fails on a template that breaks its rule ------------------------------------------

def event(template: dict, function: str, name: str) -> dict:
    return template["Resources"][function]["Properties"]["Events"][name]["Properties"]


def add_public_openapi_route(t: dict) -> None:
    events = t["Resources"]["InferenceFunction"]["Properties"]["Events"]
    events["OpenApi"] = {"Type": "Api", "Properties": {"RestApiId": {"Ref": "InferenceApi"}, "Path": "/openapi.json",
                                                       "Method": "get", "Auth": {"Authorizer": "NONE"}}}


def first_statement(t: dict, resource: str, sid: str) -> dict:
    return next(s for n, s in own_statements(t) if n == resource and s.get("Sid") == sid)


BREAKAGES: list[tuple[Callable[[dict], None], Callable[[dict], None]]] = [
    (check_every_api_defaults_to_iam,
     lambda t: t["Resources"]["InferenceApi"]["Properties"]["Auth"].pop("DefaultAuthorizer")),
    (check_every_api_defaults_to_iam,
     lambda t: t["Resources"]["InferenceApi"]["Properties"]["Auth"].pop("InvokeRole")),
    (check_every_route_requires_iam, add_public_openapi_route),
    (check_every_route_requires_iam, lambda t: event(t, "InferenceFunction", "ModelInfo").pop("RestApiId")),
    (check_every_route_requires_iam,
     lambda t: t["Resources"]["MonitorFunction"]["Properties"].update(FunctionUrlConfig={"AuthType": "NONE"})),
    (check_api_stage_throttles_and_logs,
     lambda t: t["Resources"]["InferenceApi"]["Properties"]["MethodSettings"][0].pop("ThrottlingRateLimit")),
    (check_api_stage_throttles_and_logs,
     lambda t: t["Resources"]["InferenceFunction"]["Properties"].update(ReservedConcurrentExecutions=10)),
    (check_every_bucket_is_tls_only, lambda t: t["Resources"].pop("ModelBucketPolicy")),
    (check_every_bucket_is_tls_only,
     lambda t: first_statement(t, "AccessLogBucketPolicy", "DenyInsecureTransport")["Condition"]["Bool"].update(
         {"aws:SecureTransport": "true"})),
    (check_every_bucket_is_encrypted_with_the_key,
     lambda t: t["Resources"]["MonitoringBucket"]["Properties"]["BucketEncryption"][
         "ServerSideEncryptionConfiguration"][0].pop("BucketKeyEnabled")),
    (check_every_bucket_is_encrypted_with_the_key,
     lambda t: t["Resources"]["ModelBucket"]["Properties"]["BucketEncryption"][
         "ServerSideEncryptionConfiguration"][0].update(ServerSideEncryptionByDefault={"SSEAlgorithm": "AES256"})),
    (check_every_bucket_is_private_versioned_logged_and_retained,
     lambda t: t["Resources"]["ModelBucket"]["Properties"]["PublicAccessBlockConfiguration"].update(
         RestrictPublicBuckets=False)),
    (check_every_bucket_is_private_versioned_logged_and_retained,
     lambda t: t["Resources"]["MonitoringBucket"]["Properties"].pop("LoggingConfiguration")),
    (check_every_bucket_is_private_versioned_logged_and_retained,
     lambda t: t["Resources"][LOG_BUCKET].update(DeletionPolicy="Delete")),
    (check_lifecycle_expires_capture_and_old_model_versions,
     lambda t: lifecycle_rules(t, "ModelBucket").append({"Id": "x", "Status": "Enabled", "ExpirationInDays": 30})),
    (check_key_rotates_is_retained_and_grants_exactly_logs_and_alarms,
     lambda t: t["Resources"][KEY]["Properties"].update(EnableKeyRotation=False)),
    (check_key_rotates_is_retained_and_grants_exactly_logs_and_alarms,
     lambda t: key_statements(t)["CloudWatchLogsEncryptsTheStacksLogGroups"].pop("Condition")),
    (check_key_rotates_is_retained_and_grants_exactly_logs_and_alarms,
     lambda t: t["Resources"][KEY]["Properties"]["KeyPolicy"]["Statement"].append(
         {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"})),
    (check_every_log_group_expires_and_uses_the_key,
     lambda t: t["Resources"]["MonitorLogGroup"]["Properties"].pop("RetentionInDays")),
    (check_every_log_group_expires_and_uses_the_key,
     lambda t: t["Resources"]["ApiAccessLogGroup"]["Properties"].pop("KmsKeyId")),
    (check_every_log_group_expires_and_uses_the_key,
     lambda t: t["Resources"]["InferenceLogGroup"]["Properties"].pop("LogGroupName")),
    (check_everything_else_uses_the_key,
     lambda t: t["Resources"]["MonitorDeadLetterQueue"]["Properties"].pop("KmsMasterKeyId")),
    (check_no_wildcards_in_own_policies,
     lambda t: first_statement(t, "MonitorFunctionRole", "PublishAlerts").update(Resource="*")),
    (check_no_wildcards_in_own_policies,
     lambda t: first_statement(t, "CaptureDeliveryRole", "WriteCaptureObjects").update(Action="s3:*")),
    (check_no_wildcards_in_own_policies,
     lambda t: first_statement(t, "InferenceFunctionRole", "WriteOwnLogs").update(
         Resource={"Fn::Sub": "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:x"})),
    (check_no_wildcards_in_own_policies,
     lambda t: t["Resources"]["InferenceFunctionRole"]["Properties"].update(
         ManagedPolicyArns=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])),
    (check_each_function_has_its_own_least_privilege_role,
     lambda t: t["Resources"]["MonitorFunction"]["Properties"].update(Role={
         "Fn::GetAtt": ["InferenceFunctionRole", "Arn"]})),
    (check_each_function_has_its_own_least_privilege_role,
     lambda t: first_statement(t, "InferenceFunctionRole", "ReadThisModelsArtifacts").update(
         Resource={"Fn::Sub": "${ModelBucket.Arn}/*"})),
    (check_key_use_is_scoped_to_the_key_and_a_service,
     lambda t: first_statement(t, "InferenceFunctionRole", "DecryptModelArtifacts").pop("Condition")),
    (check_key_use_is_scoped_to_the_key_and_a_service,
     lambda t: first_statement(t, "InferenceFunctionRole", "DecryptModelArtifacts").update(
         Action=["kms:Decrypt", "kms:GenerateDataKey"])),
]


def method(t: dict, path: str, verb: str) -> dict:
    return t["Resources"]["InferenceApi"]["Properties"]["Body"]["paths"][path][verb]


# Breakages of the expanded template: what SAM would generate if the template let it.
EXPANDED_BREAKAGES: list[tuple[Callable[[dict], None], Callable[[dict], None]]] = [
    (check_every_method_requires_iam, lambda t: method(t, "/model", "get").pop("security")),
    (check_every_method_requires_iam,
     lambda t: method(t, "/predict", "post")["x-amazon-apigateway-integration"].update(
         credentials="arn:aws:iam::*:user/*")),
    (check_every_role_is_the_templates_own, lambda t: t["Resources"].update(InferenceFunctionCodeDeployServiceRole={
        "Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}})),
    (check_exactly_one_api_stage, lambda t: t["Resources"].update(InferenceApiStageStage={
        "Type": "AWS::ApiGateway::Stage", "Properties": {"StageName": "Stage"}})),
    (check_service_roles_guard_against_confused_deputies,
     lambda t: t["Resources"]["InferenceDeploymentRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0].pop(
         "Condition")),
]
BREAKAGES.append((check_service_roles_guard_against_confused_deputies,
                  lambda t: t["Resources"]["MonitorScheduleRole"]["Properties"]["AssumeRolePolicyDocument"][
                      "Statement"][0].pop("Condition")))
BREAKAGES.append((check_every_bucket_is_private_versioned_logged_and_retained,
                  lambda t: t["Resources"]["ModelBucketPolicy"].pop("DeletionPolicy")))
BREAKAGES.append((check_key_rotates_is_retained_and_grants_exactly_logs_and_alarms,
                  lambda t: key_statements(t)["CloudWatchAlarmsPublishToTheAlertTopic"].pop("Condition")))


def test_every_check_has_a_breakage():
    assert {check for check, _ in BREAKAGES} == set(CHECKS)
    assert {check for check, _ in EXPANDED_BREAKAGES} >= set(EXPANDED_ONLY)


@pytest.fixture(scope="module")
def written() -> dict:
    return cfn_yaml.load(str(TEMPLATE))


BROKEN = [("written", check, breakage) for check, breakage in BREAKAGES] + [
    ("expanded", check, breakage) for check, breakage in EXPANDED_BREAKAGES]


@pytest.mark.parametrize("form,check,breakage", BROKEN, ids=[
    f"{form}-{check.__name__.removeprefix('check_')}-{i}" for i, (form, check, _) in enumerate(BROKEN)])
def test_each_check_fails_on_a_broken_template(request, form, check, breakage):
    broken = copy.deepcopy(request.getfixturevalue(form))
    breakage(broken)
    with pytest.raises(AssertionError):
        check(broken)
