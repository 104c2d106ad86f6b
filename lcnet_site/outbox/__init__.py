"""The transactional outbox: work to do after a commit is a row written in the same transaction (models.Job).

Every app may use it (it imports no app): `services.job_enqueue` writes the row and, after commit, hands its id to
Celery; `tasks.job_run` claims it with a lease and runs the handler the owning app registered for its kind
(`registry.register_handler`, at that app's AppConfig.ready()); `services.jobs_sweep` (Celery beat) hands again what
was lost. docs/operations.md, "Reliability".
"""
