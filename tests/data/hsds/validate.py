"""Validates an HSDS `/services` page read from stdin against the HSDS 3.0 JSON Schema in this
directory: the page's fields as HSDS's OpenAPI `Page` defines them, and each item of `contents`
against `service.json` (with the schemas it references, and formats checked). Prints each error
and exits 1 if there is one. Works with python3-jsonschema 4.10 (Debian 12) and later."""

import json
import pathlib
import sys

import jsonschema

HERE = pathlib.Path(__file__).parent
SCHEMAS = {path.name: json.loads(path.read_text()) for path in HERE.glob("*.json")}
PAGE = {
    "type": "object",
    "required": ["total_items", "total_pages", "page_number", "size", "first_page",
                 "last_page", "empty", "contents"],
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer"},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array"},
    },
}


def service_validator():
    validator = jsonschema.Draft202012Validator
    checker = jsonschema.FormatChecker()
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        registry = Registry().with_resources(
            (name, Resource.from_contents(schema, default_specification=DRAFT202012))
            for name, schema in SCHEMAS.items()
        )
        return validator(SCHEMAS["service.json"], registry=registry, format_checker=checker)
    except ImportError:
        resolver = jsonschema.RefResolver("", SCHEMAS["service.json"], store=SCHEMAS)
        return validator(SCHEMAS["service.json"], resolver=resolver, format_checker=checker)


def main():
    page = json.load(sys.stdin)
    errors = [f"page: {error.message}" for error in
              jsonschema.Draft202012Validator(PAGE).iter_errors(page)]
    validator = service_validator()
    for index, service in enumerate(page.get("contents", [])):
        for error in validator.iter_errors(service):
            path = "/".join(str(part) for part in error.absolute_path)
            errors.append(f"contents[{index}]/{path}: {error.message}")
    for error in errors:
        print(error)
    sys.exit(1 if errors else 0)


main()
