"""Capture records: what serving writes for every prediction and label, and how the monitor reads them back."""
