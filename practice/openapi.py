"""OpenAPI schema post-processing: declare the error answers every operation can give.

drf-spectacular documents the success answer of each operation; the errors come from shared
plumbing (authentication, permissions, scoping, validation, throttles, conflict checks and
practice.middleware.UnsafeInputMiddleware), so they are declared here once, with the shape
that practice.api_support.exception_handler gives them.
"""

from __future__ import annotations

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` for a request-wide error; otherwise field name -> list of messages "
    "(`non_field_errors` for the request as a whole).",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}

ERRORS = {
    "400": "The request is malformed (JSON, query string, NUL or unpaired surrogate) or a field is invalid.",
    "401": "Not signed in: no valid token or session.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such record within your scope (records outside it are answered the same way).",
    "409": "The record changed or is in a state that does not allow this.",
    "429": "Too many requests: try again later.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _close_one_of_alternatives(node, components: dict) -> None:
    """A `oneOf` without discriminator (a record as each role sees it) matches exactly one
    alternative only if no alternative admits another's extra fields: close them."""
    if isinstance(node, dict):
        if "oneOf" in node and "discriminator" not in node:
            for alternative in node["oneOf"]:
                name = alternative.get("$ref", "").rsplit("/", 1)[-1]
                if name in components:
                    components[name]["additionalProperties"] = False
        for value in node.values():
            _close_one_of_alternatives(value, components)
    elif isinstance(node, list):
        for value in node:
            _close_one_of_alternatives(value, components)


def declare_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    _close_one_of_alternatives(result.get("paths", {}), components)
    _close_one_of_alternatives(components, components)
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            authenticated = any(requirement for requirement in operation.get("security", [{}]))
            for status, description in ERRORS.items():
                if status in {"401", "403", "404"} and not authenticated:
                    continue
                if status == "409" and method not in WRITE_METHODS:
                    continue
                operation["responses"].setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result
