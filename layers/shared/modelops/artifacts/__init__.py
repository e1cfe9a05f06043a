"""A published model version: its manifest, baseline and files in S3, verified and loaded for a runtime."""
