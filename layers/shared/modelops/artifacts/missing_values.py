"""What text means "no value" in a table: one set for training's CSV reader and batch scoring, so
a file scores the way it trained (pandas reads the same words as NaN by default)."""

# Compared after stripping spaces and lower-casing.
MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none"})
