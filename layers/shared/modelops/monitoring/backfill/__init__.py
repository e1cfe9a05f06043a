"""The monitor on Step Functions for a window too big for one run (a backfill, a week, a month).

The MonitorBackfillStateMachine runs the single run's two passes (monitoring/run.py) with each hour
prefix of capture/ in a child of its own, and merges what the children wrote:

    plan          the window, the model version pinned, the hour prefixes of each pass
    labels        one child per hour prefix: the feedback pass -> partial CollectedLabels
    merge_labels  every partial merged in hour order -> one object all profile children read
    profile       one child per hour prefix: the prediction pass -> partial WindowProfile + matches
    report        partials merged in hour order -> the report, summary and profile a single run
                  over the same window writes, at the same keys

Merging in hour order is the single run's reading order, so the merged report equals the single
run's: counts exactly, moments to float rounding (tests/integration/test_monitor_backfill.py).
"""
