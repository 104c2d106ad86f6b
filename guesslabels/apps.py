from django.apps import AppConfig


class GuesslabelsConfig(AppConfig):
    name = "guesslabels"

    def ready(self):
        from lcnet_site.outbox.registry import register_handler, register_sweeper

        from guesslabels import jobs

        register_handler(jobs.TRAIN, jobs.train)
        register_sweeper("stuck_training_runs", jobs.stuck_runs_requeue)
