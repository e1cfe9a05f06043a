"""The scikit-learn layer drops scipy and scikit-learn subpackages that serving never imports
(layers/dependencies/Makefile). Proof that the cut is safe beyond the three estimators training
offers: pipelines a user is likely to put together, fitted here, must unpickle and give the same
probabilities in a fresh python3.12 with nothing but the built layer on its path."""
import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
from sklearn import calibration, cluster, decomposition, discriminant_analysis, ensemble, feature_selection, impute
from sklearn import kernel_approximation, linear_model, naive_bayes, neighbors, neural_network, preprocessing, svm, tree
from sklearn.compose import ColumnTransformer
from sklearn.experimental import enable_iterative_imputer  # noqa: F401 (makes IterativeImputer importable)
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.pipeline import make_pipeline

from devtools.build.layout import BUILD, RUNTIME_LAYER

LOAD_AND_PREDICT = """
import json, sys, joblib, numpy as np
rows = np.load(sys.argv[1])
print(json.dumps({path: joblib.load(path).predict_proba(rows).tolist() for path in sys.argv[2:]}))
"""


def common_pipelines() -> dict:
    imputed = impute.SimpleImputer
    return {
        "logistic_regression": make_pipeline(imputed(), preprocessing.StandardScaler(), linear_model.LogisticRegression()),
        "random_forest": make_pipeline(imputed(), ensemble.RandomForestClassifier(10, random_state=0)),
        "extra_trees": make_pipeline(imputed(), ensemble.ExtraTreesClassifier(10, random_state=0)),
        "hist_gradient_boosting": ensemble.HistGradientBoostingClassifier(max_iter=10),
        "gradient_boosting": make_pipeline(imputed(), ensemble.GradientBoostingClassifier(n_estimators=10)),
        "ada_boost": make_pipeline(imputed(), ensemble.AdaBoostClassifier(n_estimators=10, random_state=0)),
        "decision_tree": make_pipeline(imputed(), tree.DecisionTreeClassifier(random_state=0)),
        "svc": make_pipeline(imputed(), preprocessing.StandardScaler(), svm.SVC(probability=True, random_state=0)),
        "calibrated_linear_svc": make_pipeline(imputed(), calibration.CalibratedClassifierCV(svm.LinearSVC(), method="isotonic")),
        "k_neighbors": make_pipeline(imputed(), neighbors.KNeighborsClassifier()),
        "mlp": make_pipeline(imputed(), neural_network.MLPClassifier(max_iter=30, random_state=0)),
        "gaussian_nb": make_pipeline(imputed(), naive_bayes.GaussianNB()),
        "sgd_log_loss": make_pipeline(imputed(), linear_model.SGDClassifier(loss="log_loss", random_state=0)),
        "qda": make_pipeline(imputed(), discriminant_analysis.QuadraticDiscriminantAnalysis()),
        "stacking": make_pipeline(imputed(), ensemble.StackingClassifier(
            [("linear", linear_model.LogisticRegression()), ("tree", tree.DecisionTreeClassifier(random_state=0))])),
        "gaussian_process": make_pipeline(imputed(), GaussianProcessClassifier(random_state=0)),
        "quantile_normal": make_pipeline(imputed(), preprocessing.QuantileTransformer(n_quantiles=50, output_distribution="normal"),
                                         linear_model.LogisticRegression()),  # scipy.stats.norm at transform time
        "column_transformer": make_pipeline(
            ColumnTransformer([
                ("knn_quantile_power", make_pipeline(impute.KNNImputer(), preprocessing.QuantileTransformer(n_quantiles=50),
                                                     preprocessing.PowerTransformer()), [0, 1]),
                ("iterative_spline", make_pipeline(impute.IterativeImputer(random_state=0), preprocessing.SplineTransformer()), [2, 3]),
                ("bins", make_pipeline(imputed(), preprocessing.KBinsDiscretizer(n_bins=3)), [4]),
                ("one_hot", make_pipeline(imputed(), preprocessing.OneHotEncoder(handle_unknown="ignore")), [5]),
            ]),
            feature_selection.VarianceThreshold(), linear_model.LogisticRegression()),
        "decompositions": make_pipeline(imputed(), preprocessing.PolynomialFeatures(2), preprocessing.RobustScaler(),
                                        decomposition.PCA(3, random_state=0), linear_model.LogisticRegression()),
        "kernel_features": make_pipeline(imputed(), feature_selection.SelectKBest(k=3),
                                         kernel_approximation.Nystroem(n_components=20, random_state=0),
                                         decomposition.TruncatedSVD(3, random_state=0), linear_model.LogisticRegression()),
        "k_means_features": make_pipeline(imputed(), cluster.KMeans(3, n_init=1, random_state=0), preprocessing.Normalizer(),
                                          ensemble.RandomForestClassifier(5, random_state=0)),
    }


def test_common_pipelines_load_and_predict_from_the_built_scikit_learn_layer(tmp_path: Path):
    layer = BUILD / RUNTIME_LAYER["sklearn"] / "python"
    assert layer.is_dir(), "Build first (make built-smoke)"
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(300, 6))
    labels = (rows[:, 0] + rows[:, 1] > 0).astype(int)
    rows[::17, 2] = np.nan
    expected, paths = {}, []
    for name, pipeline in common_pipelines().items():
        pipeline.fit(rows, labels)
        path = str(tmp_path / f"{name}.joblib")
        joblib.dump(pipeline, path)
        expected[path] = pipeline.predict_proba(rows[:20])
        paths.append(path)
    np.save(tmp_path / "rows.npy", rows[:20])

    completed = subprocess.run([sys.executable, "-S", "-B", "-c", LOAD_AND_PREDICT, str(tmp_path / "rows.npy"), *paths],
                               env={"PATH": os.environ["PATH"], "PYTHONPATH": str(layer)}, capture_output=True, text=True,
                               timeout=300, cwd=tmp_path)

    assert completed.returncode == 0, completed.stderr[-3000:]
    served = json.loads(completed.stdout)
    for path, probabilities in expected.items():
        np.testing.assert_allclose(served[path], probabilities, rtol=0, atol=1e-12, err_msg=Path(path).stem)


LAZY_EVENT_HANDLER = """
import json, sys
import aws_lambda_powertools.event_handler.api_gateway
loaded_at_import = sorted(name for name in ("asyncio", "aws_lambda_powertools.event_handler.appsync") if name in sys.modules)
import aws_lambda_powertools.event_handler as package
import aws_lambda_powertools.utilities.data_classes as events
loaded_at_import += [name for name in ("aws_lambda_powertools.utilities.data_classes.s3_event",) if name in sys.modules]
missing = [name for module in (package, events) for name in module.__all__ if getattr(module, name, None) is None]
print(json.dumps({"loaded_at_import": loaded_at_import, "missing": missing, "names": len(package.__all__)}))
"""


def _in_each_layer(script: str) -> dict[str, dict]:
    """The JSON `script` prints last, run in a fresh python3.12 with only each built layer on its path."""
    found = {}
    for runtime, layer_name in RUNTIME_LAYER.items():
        completed = subprocess.run([sys.executable, "-S", "-B", "-c", script], capture_output=True, text=True,
                                   env={"PATH": os.environ["PATH"], "PYTHONPATH": str(BUILD / layer_name / "python")},
                                   timeout=120)
        assert completed.returncode == 0, completed.stderr[-3000:]
        found[runtime] = json.loads(completed.stdout.strip().splitlines()[-1])
    return found


def test_both_layers_import_powertools_event_handler_lazily_with_every_name():
    """trim_layer.py's LAZY_INITS, checked in what sam build produced: importing the REST resolver
    no longer imports AppSync's resolver (and asyncio), nor the data classes package every event
    class, and every exported name of both packages still resolves."""
    for runtime, found in _in_each_layer(LAZY_EVENT_HANDLER).items():
        assert found["loaded_at_import"] == [] and found["missing"] == [] and found["names"] > 10, (runtime, found)


DEFERRED = """
import json, os, sys
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"  # as template.yaml's Globals
from aws_lambda_powertools import Logger
from pydantic import BaseModel

class Checked(BaseModel):
    value: int

Checked(value=1)
loaded = sorted(name for name in ("jmespath", "importlib.metadata") if name in sys.modules)
logger = Logger(service="check")

@logger.inject_lambda_context(correlation_id_path="headers.id")
def handler(event, context):
    return logger.get_correlation_id()

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "f", 128, "r"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"

print(json.dumps({"loaded_at_import": loaded, "correlation_id": handler({"headers": {"id": "abc"}}, Context())}))
"""


def test_both_layers_defer_imports_no_request_needs_and_still_answer_when_used():
    """trim_layer.py's DEFERRED_IMPORTS in what sam build produced: a pydantic model and the
    Powertools logger import neither importlib.metadata nor jmespath, and the logger's JMESPath
    correlation id still works (jmespath is imported then)."""
    for runtime, found in _in_each_layer(DEFERRED).items():
        assert found == {"loaded_at_import": [], "correlation_id": "abc"}, (runtime, found)


DEFERRED_SCIPY_STATS = """
import json, sys
import numpy as np
import sklearn.linear_model, sklearn.impute, sklearn.preprocessing, sklearn.pipeline, sklearn.metrics, sklearn.covariance
import sklearn.model_selection
loaded_at_import = "scipy.stats" in sys.modules
from sklearn._loss import link
from sklearn.covariance import _robust_covariance
from sklearn.metrics import _ranking
from sklearn.model_selection import _search
from sklearn.preprocessing import _data
from sklearn.utils import fixes
answers = [float(link.gmean([1.0, 4.0])), round(float(_robust_covariance.chi2.ppf(0.5, 1)), 6),
           _ranking.rankdata([3, 1, 2]).tolist(), _search.rankdata([2, 1]).tolist(), float(_data.stats.norm.cdf(0.0)),
           fixes._mode(np.array([1, 1, 2])).mode.tolist()]
print(json.dumps({"loaded_at_import": loaded_at_import, "answers": answers}))
"""


def test_the_scikit_learn_layer_loads_scipy_stats_only_when_a_function_needs_it():
    """trim_layer.py's deferred scipy.stats (~0.3 s of a scikit-learn cold start): scikit-learn's
    estimators import without it, and each deferred name answers as scipy.stats does once used."""
    layer = BUILD / RUNTIME_LAYER["sklearn"] / "python"
    completed = subprocess.run([sys.executable, "-S", "-B", "-c", DEFERRED_SCIPY_STATS], capture_output=True, text=True,
                               env={"PATH": os.environ["PATH"], "PYTHONPATH": str(layer)}, timeout=120)
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert found == {"loaded_at_import": False, "answers": [2.0, 0.454936, [3.0, 1.0, 2.0], [2.0, 1.0], 0.5, [1]]}
