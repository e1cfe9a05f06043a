"""`make batch`: batch scoring in-process, the state machine's steps run the way Step Functions runs them."""
