"""How many annotators label a chip: the campaign's `annotators_per_chip`, within the assignment slots the database
allows (annotation.models.ASSIGNMENT_SLOTS). The one place assignment, the submit path and consensus ask."""
from django.core.exceptions import ImproperlyConfigured

from lcnet_site.campaign import campaign

from annotation.models import ASSIGNMENT_SLOTS


def annotators_per_chip() -> int:
    """Annotators each chip is given, and the submissions a task needs before its consensus is computed."""
    n = campaign().annotators_per_chip
    if not 1 <= n <= ASSIGNMENT_SLOTS:
        raise ImproperlyConfigured(f"annotators_per_chip must be 1–{ASSIGNMENT_SLOTS} (the assignment slots), got {n}")
    return n
