"""What runs a job of each kind, and what the sweep asks each app. Filled by the owning apps at AppConfig.ready():
the outbox never imports them."""
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Handler:
    fn: Callable  # fn(payload: dict, heartbeat: Callable[[], None]) -> JSON-able result
    lease_s: float | None = None  # None: settings.OUTBOX_LEASE_S
    transient: tuple = field(default=())  # extra exception types retried like a database outage


_handlers: dict[str, Handler] = {}
_sweepers: dict[str, Callable[[], int]] = {}


def register_handler(kind: str, fn: Callable, *, lease_s: float | None = None, transient: tuple = ()) -> None:
    _handlers[kind] = Handler(fn, lease_s, tuple(transient))


def handler(kind: str) -> Handler | None:
    return _handlers.get(kind)


def register_sweeper(name: str, fn: Callable[[], int]) -> None:
    """fn() enqueues the work its app finds missing (tasks without current consensus, stuck runs); returns a count."""
    _sweepers[name] = fn


def sweepers() -> dict[str, Callable[[], int]]:
    return dict(_sweepers)
