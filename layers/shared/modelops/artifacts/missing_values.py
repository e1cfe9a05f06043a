"""What text means "no value" in a table: one set for training's CSV reader and batch scoring, so
a file scores the way it trained (pandas reads the same words as NaN by default)."""

# Compared after stripping spaces and lower-casing. "-nan" too: pandas reads "-nan" and "-NaN" as
# missing by default, and C's printf writes a negative NaN that way.
MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none"})
