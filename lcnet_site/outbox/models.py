"""One unit of background work, written in the transaction that made it necessary. Only outbox.services writes it."""
from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobState(models.TextChoices):
    PENDING = "pending"  # to do: handed to Celery after commit, or again by the sweep
    RUNNING = "running"  # claimed by a worker until lease_until (long jobs push it on: heartbeat)
    DONE = "done"
    FAILED = "failed"  # gave up (error, or out of attempts): an admin's "retry" puts it back to pending


class Job(models.Model):
    kind = models.CharField(max_length=64, help_text="Which registered handler runs it, e.g. consensus.task_refresh")
    key = models.CharField(max_length=200, help_text="Deduplication: one pending job per kind and key")
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker claimed it")
    not_before = models.DateTimeField(default=timezone.now, help_text="Not run (nor handed again) before this")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A running job not done by then is redone")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, help_text="Celery task id of the last claim")
    last_error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True, help_text="What the handler returned")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], condition=Q(state="pending"), name="outbox_one_pending_job"),
        ]
        indexes = [models.Index(fields=["state", "not_before"], name="outbox_sweep_order")]

    def __str__(self):
        return f"job {self.pk} {self.kind}[{self.key}] {self.state}"
