"""python -m devtools.deploy: see devtools/deploy/command.py."""
import sys

from devtools.deploy.command import main

sys.exit(main(sys.argv[1:]))
