"""Roles are Django groups; one place knows their names. (Importable before the app registry is ready.)"""
ANNOTATOR = "annotator"
EXPERT = "expert"
ADMIN = "admin"
EXPORTER = "exporter"
ALL_ROLES = (ANNOTATOR, EXPERT, ADMIN, EXPORTER)


def ensure_roles() -> list[str]:
    """Create the role groups that are missing; return the names created."""
    from django.contrib.auth.models import Group

    return [name for name in ALL_ROLES if Group.objects.get_or_create(name=name)[1]]


def has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cache = getattr(user, "_lcnet_roles", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._lcnet_roles = cache  # one query per request, not per check
    return role in cache


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or user.is_staff or has_role(user, ADMIN)
    )
