"""Trim an installed layer to what Lambda runs, then compile it. Called by both layer makefiles
(layers/onnx-runtime/ holds a symlink to this file: sam build copies only a layer's own folder).

    python3.12 trim_layer.py SITE ARCH [--drop GLOB ...]

Every layer loses what no import ever reads: tests, build inputs (C sources, headers, static
libraries, Cython files), typing stubs, console scripts, numpy's own test extensions, Powertools'
bundled Swagger UI assets (the API serves /openapi.json; `enable_swagger` is not used) and
pydantic's v1 compatibility package. `--drop` adds a layer's own list, as globs relative to SITE.

Package initialisers that only re-export (`from .x import A, B` and `__all__`) are made lazy
(LAZY_INITS: PEP 562 module __getattr__, each name imported from its module when first used):
`import aws_lambda_powertools.event_handler.api_gateway` runs its package's __init__, which
imports every resolver Powertools has, AppSync's with asyncio among them, and the data classes'
__init__ imports some sixty event classes: together about 50 ms of a cold start for code this
stack never uses. Every name stays importable from the package; an
initialiser with anything else in it is left as it is, and the build says so. Likewise a module's
import of something it only calls, or only reads attributes of, can wait for the first use
(DEFERRED_IMPORTS: importlib.metadata in pydantic's plugin loader, the JMESPath utilities in
Powertools' logger, scipy.stats in scikit-learn: no request to a linear or tree model needs them).

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
from typing import Callable

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


LAZY_INITS = ("aws_lambda_powertools/event_handler/__init__.py",  # every resolver, AppSync's asyncio with it
              "aws_lambda_powertools/utilities/data_classes/__init__.py")  # ~60 event classes for the one we use

LAZY_TEMPLATE = """{docstring}
# Made lazy by layers/dependencies/trim_layer.py: each name is imported from its module when first
# used (PEP 562), instead of every module at package import.
import importlib as _importlib

_WHERE = {where!r}
__all__ = {names!r}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    value = getattr(_importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
"""


def lazy_init(source: str, package: str) -> str | None:
    """The lazy form of a re-exporting package initialiser, or None when it does anything else."""
    import ast

    tree = ast.parse(source)
    where: dict[str, str] = {}
    names: list[str] | None = None
    docstring = ast.get_docstring(tree, clean=False)
    for position, node in enumerate(tree.body):
        if position == 0 and docstring is not None:
            continue
        if isinstance(node, ast.ImportFrom) and all(alias.asname is None and alias.name != "*" for alias in node.names):
            module = ("." * node.level + (node.module or "")) if node.level else node.module
            absolute = _importlib_resolve(module, package)
            where.update({alias.name: absolute for alias in node.names})
        elif (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]
              and isinstance(node.value, (ast.List, ast.Tuple))):
            names = [ast.literal_eval(element) for element in node.value.elts]
        else:
            return None
    if names is None or not set(names) <= set(where):
        return None
    return LAZY_TEMPLATE.format(docstring=repr(docstring or ""), where=where, names=names)


def _importlib_resolve(module: str, package: str) -> str:
    from importlib.util import resolve_name

    return resolve_name(module, package) if module.startswith(".") else module


def _rewrite(site: Path, relative: str, rewritten: Callable[[str], str | None], why_not: str) -> None:
    """An installed file replaced by its rewritten source; left as it is, and said so, when the
    rewrite does not apply (the library changed shape). Absent files: not in this layer."""
    path = site / relative
    if not path.exists():
        return
    source = rewritten(path.read_text())
    if source is None:
        print(f"trim_layer: {relative} {why_not}; left as it is")
        return
    path.write_text(source)


def make_inits_lazy(site: Path) -> None:
    for relative in LAZY_INITS:
        package = relative.removesuffix("/__init__.py").replace("/", ".")
        _rewrite(site, relative, lambda source: lazy_init(source, package), "does more than re-export names")


# Module-level imports that no request needs: (file, module, name) for `from module import name`,
# or (file, package.submodule, None) for an `import package.submodule` that can go because the file
# imports the package, which loads its submodules on first attribute access (scipy does).
# - pydantic's plugin loader imports importlib.metadata (~15 ms of a cold start, zipfile and email
#   with it) for the entry-point scan that PYDANTIC_DISABLE_PLUGINS=__all__ (template Globals) skips;
# - Powertools' logger imports its JMESPath utilities (~6 ms) for `correlation_id_path`, unused here;
# - scikit-learn imports scipy.stats (~0.3 s with the optimize, interpolate and ndimage it pulls in)
#   at module level in these files, for functions a few estimators and metrics call.
DEFERRED_IMPORTS = (("pydantic/plugin/_loader.py", "importlib.metadata", "entry_points"),
                    ("aws_lambda_powertools/logging/logger.py", "aws_lambda_powertools.utilities", "jmespath_utils"),
                    ("sklearn/utils/fixes.py", "scipy.stats", None),
                    ("sklearn/_loss/link.py", "scipy.stats", "gmean"),
                    ("sklearn/covariance/_robust_covariance.py", "scipy.stats", "chi2"),
                    ("sklearn/metrics/_ranking.py", "scipy.stats", "rankdata"),
                    ("sklearn/model_selection/_search.py", "scipy.stats", "rankdata"),
                    ("sklearn/preprocessing/_data.py", "scipy", "stats"))

STAND_IN = """class _Deferred_{name}:
    # Deferred by layers/dependencies/trim_layer.py: {module}.{name} is imported when first called
    # or read from, and then takes the stand-in's place in this module.
    def __call__(self, *args, **kwargs):
        return _Deferred_{name}._target()(*args, **kwargs)

    def __getattr__(self, attribute):
        return getattr(_Deferred_{name}._target(), attribute)

    @staticmethod
    def _target():
        from {module} import {name} as target
        globals()["{name}"] = target
        return target


{name} = _Deferred_{name}()
"""


def deferred_import(source: str, module: str, name: str | None) -> str | None:
    """`source` with its top-level `from module import name` replaced by a stand-in that imports it
    when first called or read from (the statement's other names stay imported); with name None,
    its `import module` (a package's submodule) dropped when it imports the package too. None when
    the statement is not there as such (renamed, relative), or the module uses the name another way
    (passes it on, rebinds it), which a stand-in could not answer for."""
    import ast

    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    if name is None:
        package = module.rsplit(".", 1)[0]
        imported = {(alias.name, alias.asname): node for node in tree.body if isinstance(node, ast.Import)
                    for alias in node.names}
        statement = imported.get((module, None))
        if statement is None or len(statement.names) != 1 or (package, None) not in imported:
            return None
        replacement = f"# {module}: loaded by {package} on first use (layers/dependencies/trim_layer.py)\n"
    else:
        statements = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == module
                      and not node.level and (name, None) in [(alias.name, alias.asname) for alias in node.names]]
        used = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)} | {
            id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)}
        uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == name]
        if len(statements) != 1 or not all(isinstance(use.ctx, ast.Load) and id(use) in used for use in uses):
            return None
        statement = statements[0]
        others = [alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
                  for alias in statement.names if alias.name != name]
        kept = f"from {module} import {', '.join(others)}\n" if others else ""
        replacement = kept + STAND_IN.format(module=module, name=name)
    first, last = statement.lineno - 1, statement.end_lineno
    return "".join(lines[:first]) + replacement + "".join(lines[last:])


def defer_imports(site: Path) -> None:
    for relative, module, name in DEFERRED_IMPORTS:
        _rewrite(site, relative, lambda source: deferred_import(source, module, name),
                 f"uses {name or module} from {module} in a way a stand-in cannot")


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
    make_inits_lazy(args.site)
    defer_imports(args.site)
    compile_sourceless(args.site)
    if args.arch == "x86_64":
        strip_extensions(args.site)
    (args.site / ".layer-architecture").write_text(f"{args.arch}\n")
    print(f"trim_layer: {args.site.parent.name}: removed {freed / 1e6:.1f} MB never run on Lambda")


if __name__ == "__main__":
    main()
