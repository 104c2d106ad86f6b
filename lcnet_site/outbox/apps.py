from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "lcnet_site.outbox"
    label = "outbox"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"
