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
