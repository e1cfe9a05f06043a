"""layers/dependencies/trim_layer.py, which both layer makefiles run after pip install."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "layers" / "dependencies" / "trim_layer.py"
spec = importlib.util.spec_from_file_location("trim_layer", SCRIPT)
trim_layer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trim_layer)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    files = {
        "pkg/__init__.py": "VALUE = 41\n",
        "pkg/core.py": "from pkg import VALUE\nANSWER = VALUE + 1\n",
        "pkg/tests/test_core.py": "def test(): pass\n",
        "pkg/_speedups.c": "int x;\n",
        "pkg/include/pkg.h": "#define X 1\n",
        "pkg/core.pyi": "ANSWER: int\n",
        "numpy/_core/_simd.cpython-312-x86_64-linux-gnu.so": "elf",
        "numpy/_core/_multiarray_tests.cpython-312-x86_64-linux-gnu.so": "elf",
        "numpy/_core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so": "elf",
        "scipy/io/__init__.py": "",
        "scipy/linalg/__init__.py": "",
        "bin/tool": "#!/bin/sh\n",
        "pkg-1.0.dist-info/METADATA": "Name: pkg\n",
    }
    root = tmp_path / "python"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_what_is_never_run_goes_and_what_is_run_stays(site):
    freed = trim_layer.remove(site, [*trim_layer.DROPPED_EVERYWHERE, "scipy/io"])
    assert freed > 0
    left = {str(path.relative_to(site)) for path in site.rglob("*") if path.is_file()}
    assert left == {"pkg/__init__.py", "pkg/core.py", "numpy/_core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so",
                    "scipy/linalg/__init__.py", "pkg-1.0.dist-info/METADATA"}


def test_the_layer_is_left_as_bytecode_that_imports_without_its_sources(site):
    trim_layer.remove(site, list(trim_layer.DROPPED_EVERYWHERE))
    trim_layer.compile_sourceless(site)
    assert not list(site.rglob("*.py")) and (site / "pkg" / "core.pyc").is_file()
    imported = subprocess.run([sys.executable, "-S", "-B", "-c", "import pkg.core; print(pkg.core.ANSWER, pkg.core.__file__)"],
                              env={"PYTHONPATH": str(site)}, capture_output=True, text=True, check=True)
    answer, location = imported.stdout.split()
    assert answer == "42" and location.endswith("core.pyc")
    # unchecked-hash: the .pyc is used as it is, never compared with a source or a timestamp
    assert int.from_bytes((site / "pkg" / "core.pyc").read_bytes()[4:8], "little") == 0b01


REEXPORTING_INIT = '''"""A package that only re-exports."""
from lazypkg.heavy import Heavy, helper
from .light import Light

__all__ = ["Heavy", "Light", "helper"]
'''


@pytest.fixture
def lazy_package(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "lazysite"
    (root / "lazypkg").mkdir(parents=True)
    (root / "lazypkg" / "__init__.py").write_text(trim_layer.lazy_init(REEXPORTING_INIT, "lazypkg"))
    (root / "lazypkg" / "heavy.py").write_text("class Heavy: pass\ndef helper(): return 42\n")
    (root / "lazypkg" / "light.py").write_text("class Light: pass\n")
    (root / "lazypkg" / "tools.py").write_text("TOOL = 1\n")
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [name for name in sys.modules if name.startswith("lazypkg")]:
        del sys.modules[name]


def test_a_reexporting_init_imports_each_module_only_when_a_name_from_it_is_used(lazy_package):
    import lazypkg

    assert "lazypkg.heavy" not in sys.modules and "lazypkg.light" not in sys.modules
    from lazypkg import Light  # noqa: F401
    assert "lazypkg.light" in sys.modules and "lazypkg.heavy" not in sys.modules
    assert lazypkg.helper() == 42 and lazypkg.Heavy.__module__ == "lazypkg.heavy"
    assert lazypkg.__all__ == ["Heavy", "Light", "helper"] and lazypkg.__doc__ == "A package that only re-exports."
    from lazypkg import tools  # a submodule, not a re-exported name: the import system still finds it
    assert tools.TOOL == 1
    with pytest.raises(AttributeError, match="no attribute 'Missing'"):
        lazypkg.Missing
    namespace: dict = {}
    exec("from lazypkg import *", namespace)
    assert {"Heavy", "Light", "helper"} <= set(namespace)


@pytest.mark.parametrize("source", [
    REEXPORTING_INIT + "VERSION = '1'\n",  # anything but imports and __all__
    REEXPORTING_INIT.replace("import Light", "import Light as L"),  # a renamed import
    REEXPORTING_INIT.replace('"helper"]', '"helper", "Unlisted"]'),  # __all__ names something not imported
    '"""No __all__."""\nfrom lazypkg.heavy import Heavy\n',
])
def test_an_init_that_does_more_than_reexport_is_left_alone(source):
    assert trim_layer.lazy_init(source, "lazypkg") is None


def test_the_installed_powertools_event_handler_init_is_one_it_makes_lazy():
    import aws_lambda_powertools.event_handler as event_handler

    lazy = trim_layer.lazy_init(Path(event_handler.__file__).read_text(), "aws_lambda_powertools.event_handler")
    assert lazy is not None, "Powertools' event_handler/__init__.py changed shape: LAZY_INITS no longer applies"
    namespace: dict = {"__name__": "check"}
    exec(lazy.split("def __getattr__")[0], namespace)
    assert set(namespace["__all__"]) == set(event_handler.__all__) <= set(namespace["_WHERE"])
    assert all(getattr(event_handler, name) is getattr(__import__(module, fromlist=[name]), name)
               for name, module in namespace["_WHERE"].items())


DEFERRING_MODULE = '''"""A module that only calls one imported function."""
from __future__ import annotations

import os
from json import dumps
from typing import Any


def encode(value: Any) -> str:
    return dumps(value) if os.getenv("ENCODE", "1") == "1" else ""
'''


def test_a_function_import_waits_for_the_first_call_and_answers_the_same(tmp_path, monkeypatch):
    deferred = trim_layer.deferred_import(DEFERRING_MODULE, "json", "dumps")
    assert deferred is not None and "\nfrom json import dumps\n" not in deferred
    (tmp_path / "deferring.py").write_text(deferred)
    monkeypatch.syspath_prepend(str(tmp_path))
    script = ("import sys, deferring; before = 'json' in sys.modules; value = deferring.encode({'a': [1, 2.5]}); "
              "print(before, 'json' in sys.modules, value)")
    completed = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, check=True,
                               env={"PYTHONPATH": str(tmp_path)})
    assert completed.stdout.split(" ", 2) == ["False", "True", '{"a": [1, 2.5]}\n']


@pytest.mark.parametrize("source", [
    DEFERRING_MODULE.replace("    return dumps(value)", "    call = dumps\n    return call(value)"),  # passed on
    DEFERRING_MODULE.replace("from json import dumps", "from json import dumps as dump"),  # renamed
    DEFERRING_MODULE.replace("from json import dumps", "import json"),  # not there at all
])
def test_a_module_that_does_more_with_the_name_is_left_alone(source):
    assert trim_layer.deferred_import(source, "json", "dumps") is None


def test_the_other_names_of_the_statement_stay_imported():
    source = DEFERRING_MODULE.replace("from json import dumps", "from json import loads as read, dumps, JSONDecoder")
    deferred = trim_layer.deferred_import(source, "json", "dumps")
    assert "from json import loads as read, JSONDecoder\n" in deferred and "_Deferred_dumps" in deferred


def test_a_module_only_read_from_waits_for_the_first_attribute_read(tmp_path):
    source = ('from os import path\nfrom json import decoder\n\n\ndef joined(a, b):\n'
              '    return path.join(a, b), decoder.JSONDecodeError.__name__\n')
    deferred = trim_layer.deferred_import(source, "json", "decoder")
    assert deferred is not None and "from json import decoder\n" not in deferred
    (tmp_path / "reading.py").write_text(deferred)
    script = ("import sys, reading; before = 'json.decoder' in sys.modules; value = reading.joined('a', 'b'); "
              "print(before, 'json.decoder' in sys.modules, value)")
    completed = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, check=True,
                               env={"PYTHONPATH": str(tmp_path)})
    assert completed.stdout == "False True ('a/b', 'JSONDecodeError')\n"
    passed_on = source.replace("decoder.JSONDecodeError.__name__", "decoder.JSONDecodeError.__name__, [decoder]")
    assert trim_layer.deferred_import(passed_on, "json", "decoder") is None


def test_after_its_first_use_the_real_object_takes_the_stand_ins_place(tmp_path):
    deferred = trim_layer.deferred_import(DEFERRING_MODULE, "json", "dumps")
    (tmp_path / "replacing.py").write_text(deferred)
    script = "import json, replacing; replacing.encode(1); print(replacing.dumps is json.dumps)"
    completed = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, check=True,
                               env={"PYTHONPATH": str(tmp_path)})
    assert completed.stdout == "True\n"


def test_a_submodule_import_goes_when_the_package_loads_it_on_first_use(tmp_path):
    """scipy loads a submodule when one of its attributes is first read; `import scipy.stats` beside
    `import scipy` then only costs the import. Checked with a package that does the same."""
    package = tmp_path / "lazypack"
    package.mkdir()
    (package / "__init__.py").write_text("import importlib\n\n\ndef __getattr__(name):\n"
                                         "    return importlib.import_module(f'lazypack.{name}')\n")
    (package / "heavy.py").write_text("VALUE = 42\n")
    source = "import lazypack\nimport lazypack.heavy\n\n\ndef value():\n    return lazypack.heavy.VALUE\n"
    deferred = trim_layer.deferred_import(source, "lazypack.heavy", None)
    assert deferred is not None and "\nimport lazypack.heavy\n" not in deferred
    (tmp_path / "user.py").write_text(deferred)
    script = "import sys, user; before = 'lazypack.heavy' in sys.modules; print(before, user.value())"
    completed = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, check=True,
                               env={"PYTHONPATH": str(tmp_path)})
    assert completed.stdout == "False 42\n"
    assert trim_layer.deferred_import(source.replace("import lazypack\n", ""), "lazypack.heavy", None) is None


def test_the_installed_libraries_are_ones_it_defers_imports_in():
    import pydantic

    site = Path(pydantic.__file__).parents[1]
    for relative, module, name in trim_layer.DEFERRED_IMPORTS:
        deferred = trim_layer.deferred_import((site / relative).read_text(), module, name)
        assert deferred is not None, f"{relative} changed shape: DEFERRED_IMPORTS no longer applies to it"
        compile(deferred, relative, "exec")
