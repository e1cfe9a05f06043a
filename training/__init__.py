"""Training: clean data, fit a scikit-learn pipeline, evaluate, gate, publish to S3."""
