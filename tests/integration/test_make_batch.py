"""`make batch` as a user runs it: a fresh process, its own moto server and model, a local CSV in
and the results written to a local folder laid out as in S3."""
import csv
import json
import subprocess
import sys

from devtools.local.lambda_local import ROOT
from tests.integration.test_serve import user_environment
from training.data import DATASETS_DIR


def test_make_batch_scores_a_local_csv_of_a_table_with_categories_into_a_folder(tmp_path):
    lines = (DATASETS_DIR / "penguins.csv").read_text().splitlines()[:41]
    header = lines[0].split(",")
    source = tmp_path / "penguins.csv"
    source.write_text("\n".join(["id," + lines[0]] + [f"p{i}," + line for i, line in enumerate(lines[1:])]) + "\n")
    run = subprocess.run([sys.executable, "-m", "devtools.batch", "--input", str(source), "--output", str(tmp_path / "out"),
                          "--dataset", "penguins", "--id-column", "id", "--ignore-columns", "species"],
                         cwd=ROOT, env=user_environment(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["status"], summary["rows_scored"], summary["rows_refused"]) == ("succeeded", 40, 0)
    files = sorted(path for path in (tmp_path / "out" / "predictions").rglob("*") if path.is_file())
    predictions = [row for path in files for row in csv.DictReader(path.open())]
    assert [row["id"] for row in predictions] == [f"p{i}" for i in range(40)]
    assert {row["label"] for row in predictions} <= {"Adelie", "Chinstrap", "Gentoo"} and "species" in header
    assert "unseen_categories" in predictions[0]  # a model with categories: the column is there, empty here
