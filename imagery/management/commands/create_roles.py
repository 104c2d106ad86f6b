from django.core.management.base import BaseCommand

from lcnet_site.roles import ALL_ROLES, ensure_roles


class Command(BaseCommand):
    help = "Create the role groups (annotator, expert, admin, exporter). Safe to run again."

    def handle(self, *args, **options):
        created = ensure_roles()
        for name in ALL_ROLES:
            self.stdout.write(f"{name}: {'created' if name in created else 'exists'}")
