"""make deploy (python -m devtools.deploy) and the fingerprint that decides when a new function version is published."""
