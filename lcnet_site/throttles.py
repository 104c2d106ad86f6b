"""The API throttle: requests per signed-in user and per anonymous address, at the rates of the settings
LCNET_API_THROTTLE_USER / LCNET_API_THROTTLE_ANON ("N/second|minute|hour|day"; "0" or empty: off).

DRF's own classes read their rates once, at import; these read them per request, so a deployment (or a test)
changes them through the settings alone. Over the rate: 429 with Retry-After, the JSON of DRF's Throttled.
"""
from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

OFF = {"", "0", "off", "none"}


def _rate(name: str) -> str | None:
    rate = str(getattr(settings, name) or "").strip()
    return None if rate.lower() in OFF else rate


class UserThrottle(UserRateThrottle):
    def get_rate(self):
        return _rate("LCNET_API_THROTTLE_USER")


class AnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return _rate("LCNET_API_THROTTLE_ANON")
