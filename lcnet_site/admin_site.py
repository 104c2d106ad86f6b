"""The Django admin opens to the `admin` role, not only to staff flags (roles are groups: lcnet_site.roles)."""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from lcnet_site.roles import is_admin


class LcnetAdminSite(admin.AdminSite):
    site_header = "lcnet administration"
    site_title = "lcnet admin"
    index_title = "Chips, assignments, labels and consensus"
    site_url = "/label/"

    def has_permission(self, request):
        return request.user.is_active and is_admin(request.user)


class LcnetAdminConfig(AdminConfig):
    default_site = "lcnet_site.admin_site.LcnetAdminSite"
