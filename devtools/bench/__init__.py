"""make bench: figures, never assertions (python -m devtools.bench)."""
