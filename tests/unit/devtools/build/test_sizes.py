from pathlib import Path

from devtools.build import sizes as build_sizes


def fake_build(root: Path, arch: str, layer_bytes: dict[str, int]) -> Path:
    for name in ("InferenceFunction", "MonitorFunction", "SharedLayer", "OnnxRuntimeLayer", "DependenciesLayer"):
        (root / name / "python").mkdir(parents=True)
        (root / name / "python" / "blob").write_bytes(b"\0" * layer_bytes.get(name, 10))
    (root / "OnnxRuntimeLayer" / "python" / ".layer-architecture").write_text(f"{arch}\n")
    return root


def test_a_build_within_every_target_passes(tmp_path, capsys):
    root = fake_build(tmp_path, "arm64", {"DependenciesLayer": 150_000_000, "OnnxRuntimeLayer": 90_000_000})
    assert build_sizes.main(str(root)) == 0
    assert "(arm64): 150.0 MB" in capsys.readouterr().out


def test_the_scikit_learn_deployment_over_its_x86_64_target_fails_the_build(tmp_path, capsys):
    # 170 MB is within arm64's 185 MB target but over x86_64's 160 MB one.
    root = fake_build(tmp_path, "x86_64", {"DependenciesLayer": 170_000_000})
    assert build_sizes.main(str(root)) == 1
    assert "OVER the 160 MB target" in capsys.readouterr().out


def test_the_onnx_deployment_is_held_to_its_own_target(tmp_path):
    assert build_sizes.main(str(fake_build(tmp_path, "arm64", {"OnnxRuntimeLayer": 131_000_000}))) == 1
