"""Fetch the report page's chart libraries (modelops/monitoring/page/scripts.json) into
modelops/monitoring/page/vendor/: the one pinned file of each npm package and its LICENSE.

Run by `make page-scripts` (the tests need the files in the repo) and by this folder's Makefile
when `sam build` builds SharedLayer, so a clean clone gets them either way. The tarball comes from
the npm registry through `npm pack` (the ordinary client; no dependencies are installed) and is
refused unless its SHA-512 equals the pinned `integrity`, then the file unless its SHA-256 equals
the pinned `sha256`. Files already in place with the pinned hash are kept: no network is needed
for a second build. Standard library only: it runs with the build's python3.12.
Usage: python3 fetch_chart_scripts.py [--vendor DIR]
"""
import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "modelops" / "monitoring" / "page" / "scripts.json"
VENDOR = HERE / "modelops" / "monitoring" / "page" / "vendor"
LICENSE = "LICENSE"


def _in_place(package: dict, folder: Path) -> bool:
    script = folder / Path(package["script"]).name
    return (script.is_file() and (folder / LICENSE).is_file()
            and hashlib.sha256(script.read_bytes()).hexdigest() == package["sha256"])


def _integrity(data: bytes) -> str:
    """npm's Subresource Integrity form of a tarball: sha512-<base64 digest>."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _pack(package: dict, scratch: Path) -> bytes:
    spec = f"{package['name']}@{package['version']}"
    done = subprocess.run(["npm", "pack", spec, "--pack-destination", str(scratch), "--json", "--silent"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"npm pack {spec} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    tarball = (scratch / json.loads(done.stdout)[0]["filename"]).read_bytes()
    if _integrity(tarball) != package["integrity"]:
        raise SystemExit(f"{spec}: the tarball's integrity {_integrity(tarball)} is not the pinned {package['integrity']}")
    return tarball


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    extracted = archive.extractfile(f"package/{name}")  # npm tarballs hold everything under package/
    if extracted is None:
        raise SystemExit(f"package/{name} is not a file in the tarball")
    return extracted.read()


def fetch(package: dict, folder: Path) -> str:
    if _in_place(package, folder):
        return "in place"
    with tempfile.TemporaryDirectory() as scratch:
        tarball = Path(scratch) / "package.tgz"
        tarball.write_bytes(_pack(package, Path(scratch)))
        with tarfile.open(tarball) as archive:
            script, license_text = _member(archive, package["script"]), _member(archive, LICENSE)
    if hashlib.sha256(script).hexdigest() != package["sha256"]:
        raise SystemExit(f"{package['name']}: {package['script']} does not have the pinned sha256")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LICENSE).write_bytes(license_text)
    (folder / Path(package["script"]).name).write_bytes(script)  # last: _in_place checks it
    return f"fetched, {len(script):,} bytes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", type=Path, default=VENDOR)
    args = parser.parse_args()
    for package in json.loads(LOCK.read_text())["packages"]:
        outcome = fetch(package, args.vendor / package["name"])
        print(f"{package['name']}@{package['version']}: {outcome}", file=sys.stderr)


if __name__ == "__main__":
    main()
