"""template.yaml as CloudFormation receives it: packaged (code and layer URIs named by a checksum
of their content, as `sam package` names them) and expanded by SAM's own translator (in .venv-sam,
through devtools/build/expand_template.py), for given parameter values."""
import copy
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
URI_PROPERTIES = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri",
                  "AWS::Serverless::StateMachine": "DefinitionUri"}


def source_template() -> dict:
    return cfn_yaml.load(str(ROOT / "template.yaml"))


def dir_checksum(path: Path) -> str:
    """Of a directory's files (names and bytes), or of one file (a state machine definition)."""
    digest = hashlib.md5()
    for file in [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def packaged(template: dict, contents: dict[str, str] | None = None) -> dict:
    """`template` with every local code/layer location replaced by s3://artifacts/<checksum>.
    `contents` gives a resource's checksum outright (a changed build of it); others are checksums
    of their source directories."""
    result = copy.deepcopy(template)
    for name, resource in result["Resources"].items():
        prop = URI_PROPERTIES.get(resource["Type"])
        if prop and isinstance(resource["Properties"].get(prop), str):
            checksum = (contents or {}).get(name) or dir_checksum(ROOT / resource["Properties"][prop])
            resource["Properties"][prop] = f"s3://artifacts/{checksum}"
    return result


def expand_many(requests: list[tuple[dict, dict[str, Any]]]) -> list[dict]:
    """Each (packaged template, parameter values) expanded by SAM's translator, in one process."""
    if not SAM_PYTHON.exists():
        raise RuntimeError("SAM's translator lives in .venv-sam: run `make venv` first")
    payload = json.dumps([{"template": template, "parameters": parameters} for template, parameters in requests])
    completed = subprocess.run([str(SAM_PYTHON), "-m", "devtools.build.expand_template"], cwd=ROOT, capture_output=True,
                               input=payload, text=True)
    if completed.returncode:
        raise AssertionError(f"SAM's translator refused the template:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout)


def expand(template: dict, parameters: dict[str, Any]) -> dict:
    return expand_many([(template, parameters)])[0]
