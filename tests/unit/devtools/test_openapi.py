import json
import os

import pytest

import devtools.openapi as openapi
from devtools.openapi import CONTRACT_FILE, generate, main


def test_the_committed_contract_is_current():
    assert CONTRACT_FILE.read_text() == generate(), "openapi.json is out of date: run `make openapi` and commit it"


def test_check_fails_on_a_stale_file_and_passes_once_written(tmp_path, capsys):
    target = tmp_path / "openapi.json"
    target.write_text('{"openapi": "3.1.0"}\n')
    assert main(["--check", "--output", str(target)]) == 1
    assert "out of date: run `make openapi`" in capsys.readouterr().err
    assert main(["--output", str(target)]) == 0
    assert main(["--check", "--output", str(target)]) == 0


def test_the_committed_contract_documents_the_default_batch_limit_whatever_the_shell_sets(monkeypatch):
    monkeypatch.setenv("MAX_BATCH_SIZE", "7")
    document = json.loads(generate())
    request = document["components"]["schemas"]["PredictRequest"]
    assert request["oneOf"][0]["properties"]["instances"]["maxItems"] == 100
    assert os.environ["MAX_BATCH_SIZE"] == "7"


def test_generating_leaves_the_environment_as_it_was(monkeypatch):
    monkeypatch.setenv("MODEL_VERSION", "v-before")
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    generate()
    assert os.environ["MODEL_VERSION"] == "v-before" and "POWERTOOLS_METRICS_NAMESPACE" not in os.environ
