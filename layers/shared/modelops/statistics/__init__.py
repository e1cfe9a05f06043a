"""Numbers computed the same way at training and in monitoring: mergeable profiles, drift tests, classification metrics, feature summaries."""
