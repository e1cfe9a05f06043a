"""Local stand-ins for AWS: a moto server, Lambda's invoke in-process, API Gateway's events, the local HTTP API (make serve), capture delivery as Firehose does it, and the demo's traffic."""
