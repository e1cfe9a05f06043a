"""Print the unzipped size of each built function and layer, and each function with its layers,
against Lambda's 250 MB limit. Usage: python -m devtools.build_sizes .aws-sam/build"""
import sys
from pathlib import Path

from devtools.built_layout import DEPLOYMENTS

LAMBDA_LIMIT = 262_144_000


def tree_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


def main(build_dir: str) -> int:
    root = Path(build_dir)
    sizes = {item.name: tree_size(item) for item in sorted(root.iterdir()) if item.is_dir()}
    print(f"{'built artifact':<28}{'unzipped':>14}")
    for name, size in sizes.items():
        print(f"{name:<28}{size / 1e6:>12.1f} MB")
    status = 0
    for label, (function, layers) in DEPLOYMENTS.items():
        if function not in sizes:
            continue
        total = sizes[function] + sum(sizes.get(layer, 0) for layer in layers)
        share = total / LAMBDA_LIMIT
        print(f"{label} + layers: {total / 1e6:.1f} MB = {share:.0%} of Lambda's 262.1 MB limit")
        status |= total > LAMBDA_LIMIT
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build"))
