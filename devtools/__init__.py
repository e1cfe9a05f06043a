"""Developer tooling: the local AWS stand-in, the demo, build reports. Not shipped to Lambda."""
