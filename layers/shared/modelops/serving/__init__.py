"""Scoring a loaded model: settings, the model holder, predictions and explanations."""
