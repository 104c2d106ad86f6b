"""Who labels what, and every label they ever saved.

Labels are 1,024-byte bytea (uint8 classes, row-major 32×32; see annotation.lib.labels). A task an annotator has
not saved yet has no Annotation row: its labels are the task's current guess label ("pending"). The first save
creates the row (revision 1) and keeps the guess it started from, so "differ from guess" stays meaningful even if
a later guess-label run changes the task's guess.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from imagery.models import Chip, Task
from guesslabels.models import TrainingRun

# Assignment slots a chip has in the database (its constraint); how many are used: annotation.policy.
ASSIGNMENT_SLOTS = 3


class Status(models.TextChoices):
    PENDING = "pending"  # never saved: no row, the guess label is shown
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Assignment(models.Model):
    """A chip given to an annotator. Ending it keeps the row (history); the slot can then go to someone else."""

    chip = models.ForeignKey(Chip, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    # Slot 1..ASSIGNMENT_SLOTS among the chip's active assignments: Postgres itself refuses one more.
    slot = models.PositiveSmallIntegerField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept by the database itself (triggers of migration 0004, on every write path): the chip's tasks with data and
    # how many of them this annotator has submitted. An active assignment with n_submitted < n_tasks is work left:
    # the annotator's queue is read from the index on exactly those rows (assignment_work_left).
    n_tasks = models.PositiveSmallIntegerField(default=0, editable=False, help_text="the chip's tasks with data")
    n_submitted = models.PositiveSmallIntegerField(default=0, editable=False,
                                                   help_text="of them submitted by this annotator (kept by triggers)")

    class Meta:
        ordering = ["chip", "slot", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot__gte=1) & Q(slot__lte=ASSIGNMENT_SLOTS), name="assignment_slot_1_to_3"
            ),
            models.UniqueConstraint(
                fields=["chip", "slot"], condition=Q(ended_at__isnull=True), name="assignment_one_user_per_slot"
            ),
            models.UniqueConstraint(
                fields=["chip", "user"], condition=Q(ended_at__isnull=True), name="assignment_user_once_per_chip"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "chip"], condition=Q(ended_at__isnull=True), name="assignment_active"),
            models.Index(fields=["user", "chip"], condition=Q(ended_at__isnull=True, n_submitted__lt=F("n_tasks")),
                         name="assignment_work_left"),
        ]

    def __str__(self):
        return f"{self.chip_id} → {self.user} (slot {self.slot}{', ended' if self.ended_at else ''})"


class ChipWork(Chip):
    """The admin's view of chips as work to hand out (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "chip assignment"
        verbose_name_plural = "chip assignments"


class GuessEdits(TrainingRun):
    """The admin's view of guess-label runs as annotators met them: how many pixels they changed per submitted
    task (the figure learning from the campaign exists to lower). A proxy: no table of its own."""

    class Meta:
        proxy = True
        verbose_name = "guess edits by run"
        verbose_name_plural = "guess edits by run"


class ChipFreeze(models.Model):
    """A chip whose consensus is final: no annotation or expert label of its tasks can change any more."""

    chip = models.OneToOneField(Chip, primary_key=True, on_delete=models.CASCADE, related_name="freeze")
    frozen_at = models.DateTimeField(auto_now_add=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self):
        return f"{self.chip_id} frozen"


class ReferenceTask(models.Model):
    """A task experts label; its chip's annotators label it too (blind), which is what accuracy is computed from."""

    task = models.OneToOneField(Task, primary_key=True, on_delete=models.CASCADE, related_name="reference")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reference_tasks",
        help_text="The expert it was given to (any expert may label it)",
    )
    chosen_by = models.CharField(max_length=32, default="admin", help_text="admin, or select_reference_tasks seed=N")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task"]

    def __str__(self):
        return f"reference {self.task}"


class ExtraAnnotator(models.Model):
    """One more annotator for one task only (a weak consensus, docs/consensus.md "Policies"): they may label that
    task, and their submission counts toward its consensus beside the chip's annotators'. Never someone who labeled
    the task or holds the chip. Ending it keeps the row (history)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="extra_tasks")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=Q(ended_at__isnull=True), name="extraannotator_one_active"),
        ]
        indexes = [models.Index(fields=["user", "task"], name="extraannotator_user_task")]

    def __str__(self):
        return f"extra annotator {self.user_id} on {self.task_id}"


class TaskDataMask(models.Model):
    """Which pixels of a task have imagery (any reflectance band non-zero on any scene), packed 128 bytes.

    Computed once from the scenes and cached: a submit refuses class 0 on these pixels without reading COGs.
    """

    task = models.OneToOneField(Task, primary_key=True, on_delete=models.CASCADE, related_name="data_mask")
    mask = models.BinaryField(max_length=128)
    n_scenes = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField(auto_now=True)


class LabelState(models.Model):
    """One person's current labels for one task (abstract: annotators' and experts' share it)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    labels = models.BinaryField(max_length=1024)
    guess = models.BinaryField(max_length=1024, help_text="The guess label this work started from")
    status = models.CharField(max_length=16, choices=Status.choices)
    revision = models.PositiveIntegerField(help_text="Number of saves; a save must name the current one")
    differ_from_guess = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Last submission")

    class Meta:
        abstract = True


class LabelRevision(models.Model):
    """Append-only history: one row per save or submit, never updated."""

    revision = models.PositiveIntegerField()
    labels = models.BinaryField(max_length=1024)
    status = models.CharField(max_length=16, choices=Status.choices)
    differ_from_guess = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Annotation(LabelState):
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations")

    class Meta:
        ordering = ["task", "annotator"]
        constraints = [
            models.UniqueConstraint(fields=["task", "annotator"], name="annotation_one_per_task_annotator"),
            models.CheckConstraint(condition=Q(status__in=["draft", "submitted"]), name="annotation_status_saved"),
        ]
        indexes = [
            # with the task: a re-weigh finds an annotator's submitted tasks from the index alone (no heap reads)
            models.Index(fields=["annotator", "status", "task"], name="annotation_annotator_status"),
            # the annotator's newest rows first: next_task stays on the chip they last worked on
            models.Index(fields=["annotator", "-updated_at"], name="annotation_annotator_recent"),
        ]

    def __str__(self):
        return f"{self.task} by {self.annotator_id} r{self.revision} {self.status}"


class AnnotationRevision(LabelRevision):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["annotation", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "revision"], name="annotation_revision_unique"),
        ]


class ExpertLabel(LabelState):
    """An expert's labels for a reference task (task is always a ReferenceTask's task)."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_labels")

    class Meta:
        ordering = ["task", "expert"]
        constraints = [
            models.UniqueConstraint(fields=["task", "expert"], name="expertlabel_one_per_task_expert"),
            models.CheckConstraint(condition=Q(status__in=["draft", "submitted"]), name="expertlabel_status_saved"),
        ]

    def __str__(self):
        return f"expert {self.task} by {self.expert_id} r{self.revision} {self.status}"


class ExpertLabelRevision(LabelRevision):
    expert_label = models.ForeignKey(ExpertLabel, on_delete=models.CASCADE, related_name="revisions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["expert_label", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["expert_label", "revision"], name="expertlabel_revision_unique"),
        ]


class FlagReason(models.TextChoices):
    ALL_CLOUDY = "all_cloudy", "All dates cloudy"
    MIXED_PIXELS = "mixed_pixels", "Mixed pixels"
    UNSURE = "unsure", "Unsure of the class"
    IMAGERY_PROBLEM = "imagery_problem", "Imagery problem"


COMMENT_MAX_LENGTH = 2000


class TaskWork(models.Model):
    """A labeler's notes on one task besides the labels: a flag with its reason, a free comment (both for admins),
    and the active time spent on it (seconds the page saw input while visible, not wall time).

    `kind` is the label slot it belongs to (annotation or expert label, as in annotation.access), so an expert who
    is also an annotator of the chip keeps the two apart."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_work")
    kind = models.CharField(max_length=16, choices=[("annotation", "annotation"), ("expert", "expert label")])
    flag = models.CharField(max_length=32, choices=FlagReason.choices, blank=True, default="")
    comment = models.TextField(blank=True, default="", max_length=COMMENT_MAX_LENGTH)
    active_seconds = models.PositiveIntegerField(default=0)
    flagged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["task", "user"]
        verbose_name = "task flag and time"
        verbose_name_plural = "task flags and time"
        constraints = [models.UniqueConstraint(fields=["task", "user", "kind"], name="taskwork_one_per_slot")]
        indexes = [models.Index(fields=["flag"], condition=~Q(flag=""), name="taskwork_flagged")]

    def __str__(self):
        return f"{self.task} by {self.user_id}: {self.flag or 'not flagged'}, {self.active_seconds} s"
