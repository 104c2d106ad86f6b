"""HTTP caching of content that never changes once written (a scene's COG, a rendered layer of it)."""
from django.utils.http import parse_etags, quote_etag

IMMUTABLE = "private, max-age=31536000, immutable"  # a scene's pixels never change after ingest


def not_modified(request, etag: str) -> bool:
    """Does If-None-Match name `etag` (quoted or not)? Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"."""
    sent = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in sent or quote_etag(etag) in {tag.removeprefix("W/") for tag in sent}
