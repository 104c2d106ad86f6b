"""Members of the `admin` role hold every model permission, so the admin role alone runs the Django admin."""
from django.contrib.auth.backends import BaseBackend

from lcnet_site.roles import ADMIN, has_role


class AdminRoleBackend(BaseBackend):
    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and has_role(user_obj, ADMIN)

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and has_role(user_obj, ADMIN)
