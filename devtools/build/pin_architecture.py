"""Pin a built template to the architecture its layers were built for.

`sam build` does not tell a layer's makefile the target architecture, and a build directory holds
compiled wheels for one. A deploy of that build with another `Architecture` would attach x86_64
wheels to arm64 functions (or the reverse), which fail at import. This adds a rule to the built
template, so CloudFormation refuses such a deploy before changing anything, whatever command
started it. Runs in the SAM CLI's environment (its YAML reader keeps the !Ref tags):
    .venv-sam/bin/python -m devtools.build.pin_architecture .aws-sam/arm64/build/template.yaml arm64
"""
import sys
from pathlib import Path

RULE = "BuiltForThisArchitecture"


def pin(template: dict, architecture: str) -> dict:
    template.setdefault("Rules", {})[RULE] = {
        "Assertions": [{
            "Assert": {"Fn::Equals": [{"Ref": "Architecture"}, architecture]},
            "AssertDescription": f"This build's layers hold {architecture} wheels: deploy with "
                                 f"Architecture={architecture}, or build the other one (make deploy does both).",
        }]
    }
    return template


def main(path: str, architecture: str) -> int:
    from samcli.yamlhelper import yaml_dump, yaml_parse  # the SAM CLI's own, as sam deploy reads it

    file = Path(path)
    file.write_text(yaml_dump(pin(yaml_parse(file.read_text()), architecture)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
