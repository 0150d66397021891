#!/usr/bin/env python3
"""Validate every line of JSON Lines files against a JSON Schema (draft 2020-12).

usage: validate_jsonl.py [--expect-invalid] SCHEMA FILE...

Prints "N records valid" and exits 0 when every line of every FILE is a JSON value that the schema
accepts; otherwise prints the first failure as FILE:LINE and exits 1. Zero lines in all is a
failure too. With --expect-invalid every line is a negative case: exits 0 only if the schema
rejects each one ("N records invalid, as expected"), 1 if one is accepted. A bad schema or usage
exits 2. Needs the jsonschema module (Debian package python3-jsonschema).
"""
import argparse
import json
import sys

import jsonschema
from jsonschema.exceptions import best_match


def describe(error):
    where = "/".join(str(part) for part in error.absolute_path) or "(record)"
    return f"at {where}: {error.message}"


def problems(validator, path):
    """Yields (line number, text, problem or None) for each line of path."""
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.endswith(b"\n"):
                yield number, raw, "the last line does not end with a newline"
                continue
            try:
                text = raw[:-1].decode("utf-8")
            except UnicodeDecodeError as error:
                yield number, raw, f"not UTF-8: {error}"
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                yield number, text, f"not JSON: {error}"
                continue
            error = best_match(validator.iter_errors(record))
            yield number, text, describe(error) if error is not None else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect-invalid", action="store_true",
                        help="every line must be rejected (negative tests)")
    parser.add_argument("schema")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args()

    try:
        with open(args.schema, encoding="utf-8") as stream:
            schema = json.load(stream)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as error:
        print(f"validate_jsonl: bad schema {args.schema}: {error}", file=sys.stderr)
        return 2
    validator = jsonschema.Draft202012Validator(schema)

    count = 0
    try:
        for path in args.files:
            for number, text, problem in problems(validator, path):
                count += 1
                if args.expect_invalid and problem is None:
                    print(f"{path}:{number}: accepted, but expected to be invalid: {text[:200]}")
                    return 1
                if not args.expect_invalid and problem is not None:
                    print(f"{path}:{number}: invalid: {problem}")
                    return 1
                if args.expect_invalid:
                    print(f"{path}:{number}: rejected as expected: {problem}")
    except OSError as error:
        print(f"validate_jsonl: {error}")
        return 1
    if count == 0:
        print("validate_jsonl: no records in " + " ".join(args.files))
        return 1
    print(f"{count} records {'invalid, as expected' if args.expect_invalid else 'valid'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
