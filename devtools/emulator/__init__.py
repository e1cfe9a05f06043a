"""LocalStack on this host without Docker: a start/stop helper (localstack.py), a LocalStack Lambda
executor plugin that runs each function as a host python3.12 process (executor.py, imported only
inside LocalStack's venv) and the runtime that process runs (runner.py, standard library only)."""
