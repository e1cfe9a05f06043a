"""One monitoring window: profile, label join, report, summary, store and the run that ties them."""
