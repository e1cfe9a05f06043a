"""Classification metrics in numpy alone, so training and the monitor compute them one way
(and the monitor need not import scikit-learn). Tests check every figure against sklearn.metrics.

Binary: precision/recall/F1 of the positive class (the second of the sorted classes, as
scikit-learn does). More than two classes: macro averages, and one-vs-rest macro ROC AUC.
"""
from typing import Any, Sequence

import numpy as np

LOG_LOSS_EPSILON = np.finfo(np.float64).eps


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[Any]) -> np.ndarray:
    index = {label: position for position, label in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for truth, guess in zip(y_true.tolist(), y_pred.tolist()):
        matrix[index[truth], index[guess]] += 1
    return matrix


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def _precision_recall_f1(matrix: np.ndarray, position: int) -> tuple[float, float, float]:
    true_positive = matrix[position, position]
    precision = _ratio(true_positive, matrix[:, position].sum())
    recall = _ratio(true_positive, matrix[position, :].sum())
    f1 = _ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1


def roc_auc(is_positive: np.ndarray, scores: np.ndarray) -> float | None:
    """Mann-Whitney form of the area under the ROC curve; ties count half. None if one class."""
    positives = int(is_positive.sum())
    negatives = is_positive.size - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    # Average rank for each run of tied scores.
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [scores.size]))
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    positive_rank_sum = ranks[is_positive].sum()
    return float((positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def log_loss(y_true: np.ndarray, probabilities: np.ndarray, classes: Sequence[Any]) -> float:
    index = {label: position for position, label in enumerate(classes)}
    columns = np.array([index[label] for label in y_true.tolist()])
    normalized = probabilities / probabilities.sum(axis=1, keepdims=True)
    picked = np.clip(normalized[np.arange(len(columns)), columns], LOG_LOSS_EPSILON, 1.0)
    return float(-np.mean(np.log(picked)))


def classification_report(y_true: np.ndarray, probabilities: np.ndarray, classes: Sequence[Any]) -> dict[str, Any]:
    """All the figures training and the monitor report, from true labels and class probabilities."""
    classes = list(classes)
    y_pred = np.array(classes, dtype=object)[probabilities.argmax(axis=1)]
    y_true = np.asarray(y_true, dtype=object)
    matrix = confusion_matrix(y_true, y_pred, classes)
    if len(classes) == 2:
        precision, recall, f1 = _precision_recall_f1(matrix, 1)
        auc = roc_auc(y_true == classes[1], probabilities[:, 1])
    else:
        per_class = [_precision_recall_f1(matrix, position) for position in range(len(classes))]
        precision, recall, f1 = (float(np.mean(values)) for values in zip(*per_class))
        aucs = [roc_auc(y_true == label, probabilities[:, position]) for position, label in enumerate(classes)]
        auc = None if any(value is None for value in aucs) else float(np.mean(aucs))
    return {
        "count": int(y_true.size),
        "accuracy": _ratio(np.trace(matrix), matrix.sum()),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "roc_auc": auc,
        "log_loss": log_loss(y_true, probabilities, classes),
        "confusion_matrix": matrix.tolist(),
    }
