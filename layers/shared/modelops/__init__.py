"""Shared code for training, serving and monitoring: one way to compute each thing.

Imported by `training/`, by every Lambda function (shipped in the SharedLayer) and by the tests.
Modules that need scikit-learn import it lazily, so serving paths that do not need it stay light.
"""
