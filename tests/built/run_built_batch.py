"""Run inside a fresh python3.12 with only the built batch function, its layers and the Lambda
runtime's boto3 on sys.path (started by test_built_batch.py): the state machine's three tasks in
order, each event built the way Step Functions builds it. Prints the summary and the modules used."""
import json
import sys

import app  # noqa: E402  the handler module, as Lambda imports it
import botocore.session


class Context:
    function_name = "BatchFunction"
    memory_limit_in_mb = 2048
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:BatchFunction"
    aws_request_id = "built-smoke"


with open(sys.argv[1]) as handle:
    planned = app.handler(json.load(handle), Context())
s3 = botocore.session.get_session().create_client("s3")
items = json.loads(s3.get_object(Bucket=planned["plan"]["bucket"], Key=planned["plan"]["key"])["Body"].read())
for item in items:  # each Map child's input, as the Map's ItemSelector builds it
    app.handler({"action": "score", "job": planned["job"], "chunks": item["chunks"]}, Context())
summary = app.handler({"action": "summarise", "planned": planned}, Context())
modules = {name: module.__file__ for name, module in sys.modules.items()
           if name in ("numpy", "sklearn", "onnxruntime", "modelops", "botocore")}
print("\n@@RESULT@@" + json.dumps({"summary": summary, "modules": modules}))
