"""`make demo` end to end, as a user runs it: a fresh process with its own moto server, the three
bundled models trained, served, explained and monitored; what it prints is what the docs say."""
import subprocess
import sys

from devtools.local.lambda_local import ROOT
from tests.integration.test_serve import user_environment


def test_make_demo_covers_breast_cancer_a_mixed_classifier_and_a_regressor():
    run = subprocess.run([sys.executable, "-m", "devtools.demo"], cwd=ROOT, env=user_environment(),
                         capture_output=True, text=True, timeout=600)
    output = f"stdout:\n{run.stdout[-5000:]}\nstderr:\n{run.stderr[-5000:]}"
    assert run.returncode == 0, output
    assert "Traceback" not in run.stdout + run.stderr, output
    for model in ("breast-cancer", "penguins", "diabetes"):  # each one alerted on its drifted batch
        assert f"(first line: '# Model monitor: {model} " in run.stdout, output
    # The mixed classifier: category strings explained per original feature, an unseen island flagged.
    assert '"baseline": "Biscoe"' in run.stdout and '"code": "unseen_category"' in run.stdout, output
    assert "**feature_drift**: island drifted: category shares moved" in run.stdout, output
    # The regressor: a value explained in the target's units, a numeric label, drift on bmi.
    assert '"output": "value"' in run.stdout and "**feature_drift**: bmi drifted" in run.stdout, output
    assert "No label-free estimate: a regressor's error is measured on labels only" in run.stdout, output
    assert "Demo finished" in run.stdout
