"""Batch scoring: a whole data set in S3 scored by the same loader, checks and scorer as the API.

Step Functions' Distributed Map is the engine (template.yaml BatchScoringStateMachine): `plan`
cuts the input into byte-range chunks, each child scores its chunks (`worker`), `summary` adds up
what the children returned. `make batch` runs the same three steps in-process (devtools/batch).
"""
