"""The report page (report.html beside report.json): one self-contained HTML file per window.

`data` turns a Report and the earlier reports of its version into what the page shows, `charts`
into Vega-Lite specs, `render` into HTML with the chart libraries inlined (`scripts`), so the page
opens from S3 or a local file with no network. MonitoringStore.save_report writes it.
"""
