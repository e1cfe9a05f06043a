"""The chart libraries the page inlines: vega, vega-lite and vega-embed, pinned in scripts.json and
fetched into vendor/ by layers/shared/fetch_chart_scripts.py (`make page-scripts`, and the layer's
build). Checked against the pinned SHA-256 here too, so a layer or checkout with a missing or
altered file fails the page loudly instead of writing a page whose charts never draw.
"""
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "scripts.json"
VENDOR = HERE / "vendor"


class ChartScriptsMissing(RuntimeError):
    """vendor/ lacks a pinned file, or holds another one."""


@dataclass(frozen=True)
class ChartScript:
    name: str
    version: str
    license_name: str
    source: str  # the minified script, inlined as is
    license_text: str  # kept beside it and shown on the page (BSD-3-Clause asks for the notice)


@functools.cache
def chart_scripts() -> tuple[ChartScript, ...]:
    """In load order (vega-lite needs vega, vega-embed needs both). Read once per process."""
    scripts = []
    for package in json.loads(LOCK.read_text())["packages"]:
        folder = VENDOR / package["name"]
        path = folder / Path(package["script"]).name
        if not path.is_file() or not (folder / "LICENSE").is_file():
            raise ChartScriptsMissing(f"{path} is missing: run `make page-scripts` (the layer build fetches it)")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != package["sha256"]:
            raise ChartScriptsMissing(f"{path} is not the pinned {package['name']}@{package['version']}")
        scripts.append(ChartScript(package["name"], package["version"], package["license_name"], data.decode(),
                                   (folder / "LICENSE").read_text()))
    return tuple(scripts)
