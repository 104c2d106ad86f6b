from django.apps import AppConfig


class ConsensusConfig(AppConfig):
    name = "consensus"

    def ready(self):
        from annotation.signals import annotation_submitted, expert_label_submitted

        from .signals import on_annotation_submitted, on_expert_label_submitted

        annotation_submitted.connect(on_annotation_submitted, dispatch_uid="consensus.annotation_submitted")
        expert_label_submitted.connect(on_expert_label_submitted, dispatch_uid="consensus.expert_label_submitted")
