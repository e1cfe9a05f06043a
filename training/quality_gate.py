"""Refuse to publish a model that is weak, no better than a constant, or worse than the one
already published under the same name (measured on the same held-out rows)."""
from dataclasses import dataclass, field
from typing import Any

from modelops.artifacts.manifest import Task

LOWER_IS_BETTER = {"log_loss", "mae", "rmse"}
GATE_METRICS: dict[Task, tuple[str, ...]] = {
    "classification": ("roc_auc", "accuracy", "f1", "precision", "recall", "log_loss"),
    "regression": ("r2", "mae", "rmse"),
}
# The default rule per task. R² has a scale of its own (1 perfect, 0 the training mean): 0.3
# means the model explains at least 30% of the target's variance on rows it never saw. MAE and
# RMSE are in the target's units, so they have no default threshold: name one with --min-score.
DEFAULT_GATE: dict[Task, tuple[str, float]] = {"classification": ("roc_auc", 0.8), "regression": ("r2", 0.3)}


@dataclass
class Incumbent:
    version: str
    metrics: dict[str, Any] | None  # None: could not be evaluated on this split
    why_not_comparable: str = ""


@dataclass
class GateDecision:
    metric: str
    passed: bool = True
    reasons: list[str] = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        self.passed = False
        self.reasons.append(reason)


def _better(metric: str, a: float, b: float) -> bool:
    return a < b if metric in LOWER_IS_BETTER else a > b


def check(evaluation: dict[str, Any], metric: str, threshold: float, incumbent: Incumbent | None, max_regression: float) -> GateDecision:
    decision = GateDecision(metric=metric)
    score = evaluation["model"].get(metric)
    if score is None:
        decision.refuse(f"{metric} is undefined on the held-out split (only one class present).")
        return decision
    if _better(metric, threshold, score):
        word = "above" if metric in LOWER_IS_BETTER else "below"
        decision.refuse(f"{metric} {score:.4f} is {word} the threshold {threshold:.4f}.")
    constant = evaluation["best_constant"].get(metric)
    if constant is not None and not _better(metric, score, constant):
        decision.refuse(f"{metric} {score:.4f} is no better than the best constant predictor ({constant:.4f}).")
    if incumbent is not None:
        if incumbent.metrics is None:
            decision.refuse(f"Cannot compare with published version {incumbent.version}: {incumbent.why_not_comparable}")
        else:
            old = incumbent.metrics[metric]
            allowed = old + max_regression if metric in LOWER_IS_BETTER else old - max_regression
            if _better(metric, allowed, score):
                decision.refuse(
                    f"{metric} {score:.4f} is worse than published version {incumbent.version} "
                    f"({old:.4f}) on the same held-out rows."
                )
    return decision
