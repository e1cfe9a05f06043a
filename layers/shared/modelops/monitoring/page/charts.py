"""Vega-Lite specs of the page's charts, from page.data. vega-embed draws them in the browser.

Readable without colour: the training series is an outlined bar and the window's a filled one,
always in that order within a bin, and the legend says which is which; the trend's two series
differ in line dash and point shape too. Width follows the container, so a phone gets a narrower
chart instead of a page that scrolls sideways. Every chart has a description, which vega-embed
puts on the SVG as its accessible name.
"""
from typing import Any

from modelops.monitoring.page.data import Bin, TrendPoint

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier: vega-embed never fetches it
TRAINING, WINDOW = "training", "this window"
INK = "#1b1b1b"
FILLS = ["#ffffff", "#2f5d8a"]  # training outlined (white), window solid: tells apart in grey too
HEIGHT = 170


def histogram_spec(title: str, bins: list[Bin]) -> dict[str, Any]:
    """Bars of each bin's share of rows, training beside this window, bins in profile order."""
    values = [{"bin": b.label, "order": i, "kind": b.kind, "series": series, "share": share, "rows": rows}
              for i, b in enumerate(bins)
              for series, share, rows in ((TRAINING, b.reference_share, b.reference), (WINDOW, b.current_share, b.current))]
    return {
        "$schema": SCHEMA,
        "description": f"{title}: share of rows in each bin, training beside this window",
        "width": "container",
        "height": HEIGHT,
        "data": {"values": values},
        "mark": {"type": "bar", "stroke": INK, "strokeWidth": 1},
        "encoding": {
            "x": {"field": "bin", "type": "ordinal", "sort": {"field": "order"}, "title": None,
                  "axis": {"labelAngle": -40, "labelLimit": 90}},
            "xOffset": {"field": "series", "sort": [TRAINING, WINDOW]},
            "y": {"field": "share", "type": "quantitative", "title": "share of rows", "axis": {"format": "~%"}},
            "fill": {"field": "series", "scale": {"domain": [TRAINING, WINDOW], "range": FILLS},
                     "legend": {"orient": "top", "title": None}},
            "tooltip": [{"field": "bin"}, {"field": "kind"}, {"field": "series"},
                        {"field": "share", "format": ".2%"}, {"field": "rows", "format": ","}],
        },
    }


def trend_spec(points: list[TrendPoint], reference_accuracy: float | None, measure: str = "accuracy") -> dict[str, Any]:
    """Estimated accuracy (with its 95% interval as a band) and labelled accuracy per window,
    against training's held-out figure (the dashed rule). A regressor's `measure` is its MAE on
    labels, with no estimate and training's held-out MAE as the rule."""
    values = []
    for point in points:
        if point.estimated_accuracy is not None:
            values.append({"window_end": point.window_end, "series": "estimated (no labels)",
                           "accuracy": point.estimated_accuracy, "low": point.interval_low, "high": point.interval_high,
                           "version": point.model_version})
        if point.accuracy is not None:
            values.append({"window_end": point.window_end, "series": "on labels", "accuracy": point.accuracy,
                           "labelled": point.labelled, "version": point.model_version})
    x = {"field": "window_end", "type": "temporal", "title": "window end (UTC)", "axis": {"labelAngle": -40}}
    series = {"domain": ["estimated (no labels)", "on labels"]}
    return {
        "$schema": SCHEMA,
        "description": "Accuracy per window: estimated without labels (with its 95% interval) and measured on "
                       "labels, against training's held-out accuracy",
        "width": "container",
        "height": HEIGHT + 30,
        "data": {"values": values},
        "layer": [
            {"transform": [{"filter": "datum.low != null"}],
             "mark": {"type": "area", "opacity": 0.2, "color": FILLS[1]},
             "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}}},
            {"mark": {"type": "line", "point": {"filled": True, "size": 50}, "color": INK},
             "encoding": {
                 "x": x,
                 "y": {"field": "accuracy", "type": "quantitative", "title": measure, "scale": {"zero": False}},
                 "strokeDash": {"field": "series", "scale": {**series, "range": [[1, 0], [5, 3]]},
                                "legend": {"orient": "top", "title": None}},
                 "shape": {"field": "series", "scale": {**series, "range": ["circle", "square"]}},
                 "tooltip": [{"field": "window_end", "type": "temporal", "format": "%Y-%m-%d %H:%M"},
                             {"field": "series"}, {"field": "accuracy", "format": ".3f"}, {"field": "low", "format": ".3f"},
                             {"field": "high", "format": ".3f"}, {"field": "version"}]}},
            *([{"data": {"values": [{"reference": reference_accuracy}]},
                "mark": {"type": "rule", "strokeDash": [2, 2], "color": INK},
                "encoding": {"y": {"field": "reference", "type": "quantitative"},
                             "tooltip": [{"field": "reference", "title": f"training held-out {measure}",
                                          "format": ".3f"}]}}] if reference_accuracy is not None else []),
        ],
    }
