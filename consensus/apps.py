from django.apps import AppConfig


class ConsensusConfig(AppConfig):
    name = "consensus"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from annotation.models import Assignment, ReferenceTask
        from annotation.signals import (
            annotation_submitted,
            annotation_withdrawn,
            expert_label_submitted,
            expert_label_withdrawn,
        )

        from consensus import jobs
        from consensus.signals import (
            on_annotation_submitted,
            on_annotation_withdrawn,
            on_assignment_saved,
            on_expert_label_submitted,
            on_reference_task_deleted,
        )

        annotation_submitted.connect(on_annotation_submitted, dispatch_uid="consensus.annotation_submitted")
        annotation_withdrawn.connect(on_annotation_withdrawn, dispatch_uid="consensus.annotation_withdrawn")
        expert_label_submitted.connect(on_expert_label_submitted, dispatch_uid="consensus.expert_label_submitted")
        # a withdrawn expert label changes the same things as a new one: the scores (and Dawid–Skene's truth)
        expert_label_withdrawn.connect(on_expert_label_submitted, dispatch_uid="consensus.expert_label_withdrawn")
        # annotation sends no signal when an assignment ends or a reference is removed: its models' signals are the hooks
        post_save.connect(on_assignment_saved, sender=Assignment, dispatch_uid="consensus.assignment_saved")
        post_delete.connect(on_reference_task_deleted, sender=ReferenceTask, dispatch_uid="consensus.reference_deleted")
        jobs.register()  # the outbox jobs this app owns, and its sweeper
