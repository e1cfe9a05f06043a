"""The HTTP contract of the inference function: body checks, request models, errors, responses, the OpenAPI document."""
