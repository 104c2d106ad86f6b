"""Keep the objects a process loads at start-up out of Python's full garbage collections.

A web or worker process holds ~1–2 M objects that live as long as it does (Django, DRF, numpy, numba, the URLconf
and its views). Every generation-2 collection traverses all of them: 120–170 ms at a time on the annotator API, a
pause that landed on about one request in a hundred and set its p99 (docs/operations.md, "Garbage collection").
gc.freeze() moves them to a permanent generation that collections skip; what requests allocate is collected as
before."""
import gc


def freeze_startup_heap(*, import_views: bool = False) -> None:
    """Collect once, then freeze what is left; `import_views`: load every view module first (Django imports them
    on the first request otherwise, after the freeze)."""
    if import_views:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 — the property imports the URLconf and with it every view module
    gc.collect()
    gc.freeze()
