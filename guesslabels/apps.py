from django.apps import AppConfig


class GuesslabelsConfig(AppConfig):
    name = "guesslabels"
