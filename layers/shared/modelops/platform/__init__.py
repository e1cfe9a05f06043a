"""Process-wide plumbing with no model knowledge: AWS clients, tracing, SnapStart hooks, errors with a stable reason, JSON encoding, prediction ids."""
