"""Who may export labels and see dataset figures: one place for the check."""
from rest_framework.permissions import BasePermission

from lcnet_site.roles import EXPORTER, has_role, is_admin


def can_export(user) -> bool:
    """Admins and the dedicated `exporter` role (for programmatic clients with a token)."""
    return is_admin(user) or has_role(user, EXPORTER)


class CanExport(BasePermission):
    message = "Only admins and exporters may export labels."

    def has_permission(self, request, view):
        return can_export(request.user)


class IsLcnetAdmin(BasePermission):
    message = "Only admins may see dataset figures."

    def has_permission(self, request, view):
        return is_admin(request.user)
