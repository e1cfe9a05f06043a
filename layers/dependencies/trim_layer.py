"""Trim an installed layer to what Lambda runs, then compile it. Called by both layer makefiles
(layers/onnx-runtime/ holds a symlink to this file: sam build copies only a layer's own folder).

    python3.12 trim_layer.py SITE ARCH [--drop GLOB ...]

Every layer loses what no import ever reads: tests, build inputs (C sources, headers, static
libraries, Cython files), typing stubs, console scripts, numpy's own test extensions, Powertools'
bundled Swagger UI assets (the API serves /openapi.json; `enable_swagger` is not used) and
pydantic's v1 compatibility package. `--drop` adds a layer's own list, as globs relative to SITE.

Then the whole layer becomes bytecode only: legacy .pyc beside where each .py was, compiled with
unchecked-hash invalidation (/opt is read-only, so .pyc must be there, and timestamp checks go
stale through the zip round trip), sources deleted. Tracebacks keep file and line, not the text;
nothing installed here reads its own source at run time.

On x86_64 the extension modules lose their symbol tables (never read at run time). Vendored
libraries under *.libs/ are left alone: stripping scipy's OpenBLAS breaks its ELF alignment. arm64
objects are not stripped because they cannot be run here to prove a stripped build still loads.
"""
import argparse
import compileall
import shutil
import subprocess
import sys
from pathlib import Path

DROPPED_EVERYWHERE = (
    "**/tests", "**/__pycache__", "bin", "joblib/test",
    "**/*.pyi", "**/*.pyx", "**/*.pxd", "**/*.pxi", "**/*.tp", "**/*.c", "**/*.cpp", "**/*.h", "**/*.hpp",
    "**/*.a", "**/*.pc", "**/meson.build",
    "numpy/_core/include", "numpy/_core/lib", "numpy/random/lib", "numpy/_pyinstaller",
    "numpy/_core/_simd.*", "numpy/_core/_*_tests.*",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.js",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.css",
    "pydantic/v1",
)


def remove(site: Path, patterns: list[str]) -> int:
    """Delete what the globs match; returns the bytes freed."""
    freed = 0
    for pattern in patterns:
        for path in sorted(site.glob(pattern), reverse=True):  # children before their parents
            if path.is_dir() and not path.is_symlink():
                freed += sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
                shutil.rmtree(path)
            elif path.exists():
                freed += path.stat().st_size
                path.unlink()
    return freed


def compile_sourceless(site: Path) -> None:
    ok = compileall.compile_dir(site, quiet=1, legacy=True, workers=0,
                                invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH)
    if not ok:
        sys.exit(f"trim_layer: bytecode compilation failed under {site}")
    for source in site.rglob("*.py"):
        source.unlink()


def strip_extensions(site: Path) -> None:
    modules = [str(path) for path in site.rglob("*.so") if not any(part.endswith(".libs") for part in path.parts)]
    if modules:
        subprocess.run(["strip", "--strip-unneeded", *modules], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("arch", choices=["x86_64", "arm64"])
    parser.add_argument("--drop", nargs="*", default=[], help="the layer's own globs, relative to SITE")
    args = parser.parse_args()
    freed = remove(args.site, [*DROPPED_EVERYWHERE, *args.drop])
    compile_sourceless(args.site)
    if args.arch == "x86_64":
        strip_extensions(args.site)
    (args.site / ".layer-architecture").write_text(f"{args.arch}\n")
    print(f"trim_layer: {args.site.parent.name}: removed {freed / 1e6:.1f} MB never run on Lambda")


if __name__ == "__main__":
    main()
