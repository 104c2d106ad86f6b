"""What annotation announces; consensus listens (connect in its AppConfig.ready()). Sent from on_commit only.

annotation_submitted(sender=Annotation, task_id, annotator_id, revision, submitted_count, is_reference)
    on every submit of an annotator; `submitted_count` is the number of the task's active annotators whose
    annotation is submitted (3 → the task's consensus can be computed; later resubmits change it);
    `is_reference`: the task is a reference task (the annotator's accuracy changes), so receivers need no query.
expert_label_submitted(sender=ExpertLabel, task_id, expert_id, revision)
    on every submit of an expert label (annotator accuracy and the affected consensus change).
"""
from django.dispatch import Signal

annotation_submitted = Signal()
expert_label_submitted = Signal()
