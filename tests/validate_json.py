#!/usr/bin/env python3
"""Validates JSON files against a JSON Schema (draft 2020-12): validate_json.py SCHEMA FILE...
The other schemas beside SCHEMA are loaded too, for its $refs into them (by $id).
Exit 0 when every file is valid, 1 otherwise (each error printed with its path)."""
import glob
import json
import os
import sys

import jsonschema

schema_path = sys.argv[1]
schema = json.load(open(schema_path))
others = {}
for path in glob.glob(os.path.join(os.path.dirname(os.path.abspath(schema_path)), "*.schema.json")):
    s = json.load(open(path))
    others[s["$id"]] = s
try:  # jsonschema >= 4.18 resolves through `referencing`
    import referencing

    registry = referencing.Registry().with_resources(
        (i, referencing.Resource.from_contents(s, default_specification=referencing.jsonschema.DRAFT202012))
        for i, s in others.items())
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
except ImportError:  # Debian bookworm's 4.10
    validator = jsonschema.Draft202012Validator(
        schema, resolver=jsonschema.RefResolver(schema["$id"], schema, store=others))
jsonschema.Draft202012Validator.check_schema(schema)
bad = 0
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.path))
    for e in errors:
        print(f"{path}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
    bad += bool(errors)
    print(f"{path}: {'INVALID' if errors else 'valid'} against {schema_path}")
sys.exit(1 if bad else 0)
