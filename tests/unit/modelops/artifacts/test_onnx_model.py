import subprocess
import sys

import numpy as np
from sklearn.datasets import make_classification

from training.onnx_export import convert
from training.pipeline import build_pipeline


def test_onnx_serving_matches_the_pipeline_and_never_imports_scikit_learn(tmp_path):
    features, labels = make_classification(n_samples=400, n_features=6, random_state=2)
    pipeline = build_pipeline("logistic_regression", 2).fit(features, labels)
    model = tmp_path / "model.onnx"
    model.write_bytes(convert(pipeline, 6))
    rows = features[:5].copy()
    rows[0, 1] = np.nan  # the imputer is part of the graph
    np.save(tmp_path / "rows.npy", rows)
    script = f"""
import sys, numpy as np
from modelops.artifacts.onnx_model import OnnxPipeline
from modelops.artifacts import loader
from modelops.serving import prediction, settings  # what the function imports on this path
served = OnnxPipeline(open({str(model)!r}, "rb").read(), [0, 1])
print(served.predict_proba(np.load({str(tmp_path / 'rows.npy')!r})).tolist())
assert not [m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy", "joblib")], "imported scikit-learn"
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    served = np.array(eval(result.stdout))
    assert np.abs(served - pipeline.predict_proba(rows)).max() < 1e-5
