"""The warning a prediction carries when an instance has a category training never saw: scored,
not refused (the one-hot encoder ignores it), and said so, by the API and by batch scoring alike."""
from modelops.artifacts.features import Unseen

UNSEEN_MESSAGE = ("A category training never saw: scored as one without a one-hot column of its own (as a rare "
                  "category is), from the instance's other features.")


def prediction_warnings(unseen: Unseen) -> dict[int, list[dict[str, str]]]:
    """Per row, the warnings of its unseen categories (ModelInput.unseen)."""
    return {row: [{"code": "unseen_category", "feature": feature, "value": value, "message": UNSEEN_MESSAGE}
                  for feature, value in pairs]
            for row, pairs in unseen.items()}
