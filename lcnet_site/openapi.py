"""The OpenAPI schema documents every error answer an operation can give, with the body of
lcnet_site/exception_handler.py (a drf-spectacular postprocessing hook: views declare only their own cases, such as
a 409, and their successes)."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `code` (stable, machine-readable) and `detail` (for people); `field` names the "
                   "offending input, which also carries its messages (DRF's validation shape). DRF's own refusals "
                   "(authentication, throttling) carry `detail` alone.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
    },
    "additionalProperties": True,
}

WHY = {
    "400": "bad input (body, query or path): nothing was stored",
    "401": "not signed in, or a deleted or bad token (`WWW-Authenticate: Token`)",
    "403": "signed in without the role this needs, or a session write without its CSRF token",
    "404": "no such object, or not the caller's to see (the same answer)",
    "409": "refused in the current state: nothing was stored",
    "413": "request body over the size limit (LCNET_API_MAX_BODY_BYTES), refused unread",
    "415": "a request body that is not JSON",
    "429": "too many requests (LCNET_API_THROTTLE_USER / _ANON); `Retry-After` says when to come back",
}
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def _applies(operation: dict) -> set[str]:
    params = operation.get("parameters", [])
    anonymous_ok = {} in operation.get("security", [{}])
    codes = {"429"}
    if params or "requestBody" in operation:
        codes.add("400")
    if not anonymous_ok:
        codes |= {"401", "403"}
    if any(p["in"] == "path" for p in params) or any(p["name"] == "page" for p in params):
        codes.add("404")  # an object by its id, or a page past the last
    if "requestBody" in operation:
        codes |= {"413", "415"}
    return codes


def document_errors(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in _applies(operation):
                responses.setdefault(code, {"description": WHY[code]})
            for code, response in responses.items():
                if code.startswith(("4", "5")) and "content" not in response:
                    response["content"] = error  # declared by the view with a description only
    return result
