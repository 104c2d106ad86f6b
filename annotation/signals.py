"""What annotation announces; consensus listens (connect in its AppConfig.ready()). Sent from on_commit only.

annotation_submitted(sender=Annotation, task_id, annotator_id, revision, submitted_count, is_reference)
    on an annotator's submit when there is consensus work: the task has submitted annotations from all three of
    its active annotators (`submitted_count` = 3: the third submit and every later resubmit), or it is a reference
    task (`is_reference`: the annotator's accuracy changes; receivers need no query to know it).
    The first and second annotator's submits of an ordinary task send nothing.
expert_label_submitted(sender=ExpertLabel, task_id, expert_id, revision)
    on every submit of an expert label (annotator accuracy and the affected consensus change).
"""
from django.dispatch import Signal

annotation_submitted = Signal()
expert_label_submitted = Signal()
