"""Background jobs for the operator: what is pending, running, failed (with its error), and a retry action."""
from django.contrib import admin, messages

from lcnet_site.outbox import services
from lcnet_site.outbox.models import Job, JobState


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "key", "state", "attempts", "not_before", "lease_until", "updated_at", "error_head"]
    list_filter = ["state", "kind"]
    search_fields = ["kind", "key", "last_error"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["retry"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # rows change through the workers and the retry action only

    @admin.display(description="last error")
    def error_head(self, job):
        return (job.last_error.strip().splitlines() or [""])[-1][:120]

    @admin.action(description="Retry the selected failed jobs")
    def retry(self, request, queryset):
        n = services.jobs_retry(job_ids=queryset.filter(state=JobState.FAILED).values_list("pk", flat=True))
        self.message_user(request, f"{n} failed job(s) queued again.", messages.SUCCESS if n else messages.WARNING)
