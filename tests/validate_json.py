#!/usr/bin/env python3
"""Validates JSON files against a JSON Schema (draft 2020-12): validate_json.py SCHEMA FILE...
Exit 0 when every file is valid, 1 otherwise (each error printed with its path)."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
validator.check_schema(schema)
bad = 0
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.path))
    for e in errors:
        print(f"{path}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
    bad += bool(errors)
    print(f"{path}: {'INVALID' if errors else 'valid'} against {sys.argv[1]}")
sys.exit(1 if bad else 0)
