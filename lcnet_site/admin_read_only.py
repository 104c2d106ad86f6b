"""Admin pages and inlines that show records and never write them (history, figures, acquisition reports)."""
from lcnet_site.roles import is_admin


class ReadOnlyPermissions:
    """No add, change or delete: for a ModelAdmin or an inline (inlines pass the parent object)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdminReadOnlyInline(ReadOnlyPermissions):
    """A read-only inline that admins see (staff of other roles do not)."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)
