"""What annotation announces; consensus listens (connect in its AppConfig.ready()). Sent from on_commit only.

annotation_submitted(sender=Annotation, task_id, annotator_id, revision, submitted_count, is_reference)
    on an annotator's submit when there is consensus work: the task has submitted annotations from all three of
    its active annotators (`submitted_count` = 3: the third submit and every later resubmit), or it is a reference
    task (`is_reference`: the annotator's accuracy changes; receivers need no query to know it).
    The first and second annotator's submits of an ordinary task send nothing.
annotation_withdrawn(sender=Annotation, task_id, annotator_id, revision, submitted_count, is_reference)
    when an annotator saves a draft over their submitted annotation: it no longer counts, so a consensus it
    completed (or their accuracy on a reference task) is stale. `submitted_count` is counted after commit.
expert_label_submitted(sender=ExpertLabel, task_id, expert_id, revision)
    on every submit of an expert label (annotator accuracy and the affected consensus change).
expert_label_withdrawn(sender=ExpertLabel, task_id, expert_id, revision)
    when an expert saves a draft over their submitted label: it no longer scores the annotators.
"""
from django.dispatch import Signal

annotation_submitted = Signal()
annotation_withdrawn = Signal()
expert_label_submitted = Signal()
expert_label_withdrawn = Signal()
