"""DRF token authentication with a short per-process cache: the submit hot path skips the token query.

A token that is deleted, or a user deactivated or given other roles, takes effect within
settings.LCNET_TOKEN_CACHE_SECONDS (default 30 s) in each worker; 0 turns the cache off.
"""
import copy
import time

from django.conf import settings
from drf_spectacular.drainage import set_override
from rest_framework.authentication import TokenAuthentication

_MAX_ENTRIES = 10_000


class CachedTokenAuthentication(TokenAuthentication):
    _cache: dict[str, tuple[float, object, object]] = {}

    def authenticate_credentials(self, key):
        ttl = settings.LCNET_TOKEN_CACHE_SECONDS
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return copy.copy(hit[1]), hit[2]  # a copy: per-request attributes never leak between requests
        user, token = super().authenticate_credentials(key)
        if ttl > 0:
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = (now + ttl, user, token)
        return copy.copy(user), token


# The schema shows it as the same "tokenAuth" scheme as DRF's (it is the same on the wire).
set_override(CachedTokenAuthentication, "suppress_collision_warning", True)
