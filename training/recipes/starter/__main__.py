"""``python -m ambisketch.training.recipes.starter OUT [options]``: the recipe as a script
(the same as ``ambisketch dataset build-starter``)."""

import argparse
import json
import sys

from ambisketch.engine.errors import EngineError

from .build import add_arguments, build_starter, options_from_args

parser = argparse.ArgumentParser(
    prog="python -m ambisketch.training.recipes.starter",
    description="Build the Ambisketch starter corpus.",
)
add_arguments(parser)
args = parser.parse_args()
try:
    manifest = build_starter(args.out, options_from_args(args), progress=args.progress or None)
except EngineError as exc:
    sys.exit(f"error: {exc}")
print(
    json.dumps(
        {
            k: manifest[k]
            for k in ("files", "concept_count", "hours", "size_bytes", "build_seconds")
        },
        indent=2,
    )
)
