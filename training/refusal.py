"""The one exception a training run stops with when it cannot go on or must not publish.

Its message is one line a user can act on: what is wrong, where (file, line, column, flag) and
what to do. `python -m training.train` prints it and exits with code 2, never with a traceback.
"""


class TrainingRefused(Exception):
    """Training cannot go on, or its result must not be published (exit code 2)."""
