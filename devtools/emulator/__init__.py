"""LocalStack on this host without Docker: a start/stop helper (localstack.py), a LocalStack Lambda
executor plugin that runs each function as a host python3.12 process (executor.py, imported only
inside LocalStack's venv), the runtime that process runs (runner.py, standard library only), fixes
to LocalStack applied at its start (patches.py, with the capture path's logic in delivery.py), and
`make e2e`, the deploy-then-call test run against it (e2e.py)."""
