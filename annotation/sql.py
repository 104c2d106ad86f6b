"""Hand-written SQL of the submit hot path, one round trip each (docs/annotation.md, "Load": it pays there).

`access_row` is portable SQL. `update_and_record` is one Postgres statement (a data-modifying CTE): the
conditional UPDATE, the revision INSERT and the count of submitted co-annotators run atomically in a single
round trip, with no BEGIN/COMMIT of their own. On Postgres they run as server-side prepared statements, planned
once per connection: planning these small queries costs more than running them. Other databases, and Postgres with
LCNET_SUBMIT_SQL=false (to measure the difference: bench/submit_load.py --orm), take the ORM path in access and
services, which does the same in a few more round trips.
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from imagery.models import Task
from lcnet_site.sql import execute_prepared as _execute

from annotation.models import Annotation, Assignment, ChipFreeze, ExtraAnnotator, ReferenceTask, TaskDataMask


def in_use() -> bool:
    """Does the submit path run this module's SQL (Postgres, unless LCNET_SUBMIT_SQL is off)?"""
    return connection.vendor == "postgresql" and settings.LCNET_SUBMIT_SQL


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


ACCESS_COLUMNS = ("chip_id", "has_data", "assigned", "is_reference", "is_expert", "frozen", "mask",
                  "id", "revision", "guess", "labels", "status", "differ_from_guess")


def access_row(*, user_id: int, task_id: int, expert_group: str) -> dict | None:
    """The task, the caller's rights on it and their Annotation row (if any), in one query."""
    user_groups = _t(get_user_model().groups.through)
    sql = f"""
        SELECT t.chip_id, t.has_data,
          EXISTS (SELECT 1 FROM {_t(Assignment)} s
                  WHERE s.chip_id = t.chip_id AND s.user_id = %(user)s AND s.ended_at IS NULL)
          OR EXISTS (SELECT 1 FROM {_t(ExtraAnnotator)} x
                     WHERE x.task_id = t.id AND x.user_id = %(user)s AND x.ended_at IS NULL),
          EXISTS (SELECT 1 FROM {_t(ReferenceTask)} r WHERE r.task_id = t.id),
          EXISTS (SELECT 1 FROM {user_groups} ug JOIN {_t(Group)} g ON g.id = ug.group_id
                  WHERE ug.user_id = %(user)s AND g.name = %(expert)s),
          EXISTS (SELECT 1 FROM {_t(ChipFreeze)} f WHERE f.chip_id = t.chip_id),
          m.mask, a.id, a.revision, a.guess, a.labels, a.status, a.differ_from_guess
        FROM {_t(Task)} t
        LEFT JOIN {_t(TaskDataMask)} m ON m.task_id = t.id
        LEFT JOIN {_t(Annotation)} a ON a.task_id = t.id AND a.annotator_id = %(user)s
        WHERE t.id = %(task)s"""
    params = {"user": user_id, "task": task_id, "expert": expert_group}
    with connection.cursor() as cur:
        _execute(cur, "lcnet_label_access", sql, params, {"user": "integer", "task": "bigint", "expert": "text"})
        row = cur.fetchone()
    return None if row is None else dict(zip(ACCESS_COLUMNS, row))


def _submitted_count_sql(*, but_author: bool) -> str:
    """annotation.selectors.submitted_annotations counted for one task, in SQL (with or without the author)."""
    author = " AND o.annotator_id <> %(author)s" if but_author else ""
    return f"""(SELECT count(*) FROM {_t(Annotation)} o
              WHERE o.task_id = %(task)s AND o.status = 'submitted'{author}
                AND o.annotator_id IN (SELECT s.user_id FROM {_t(Assignment)} s
                                       WHERE s.chip_id = %(chip)s AND s.ended_at IS NULL))"""


SAVE_TYPES = {"labels": "bytea", "status": "varchar", "differ": "integer", "now": "timestamptz",
              "submit": "boolean", "id": "bigint", "revision": "integer", "author": "integer"}


def update_and_record(*, model, history, parent: str, row_id: int, revision: int, values: dict, author_id: int,
                      count_task: tuple[int, str] | None):
    """UPDATE … WHERE revision = N, then INSERT its revision row, in one statement.

    Returns (new revision or None when stale, submitted co-annotators other than the author or None).
    count_task = (task_id, chip_id) to count the task's other active annotators whose annotation is submitted.
    """
    count, types = "NULL", dict(SAVE_TYPES)
    if count_task is not None:
        count = _submitted_count_sql(but_author=True)
        types.update(task="bigint", chip="varchar")
    sql = f"""
        WITH u AS (
          UPDATE {_t(model)} SET revision = revision + 1, labels = %(labels)s, status = %(status)s,
            differ_from_guess = %(differ)s, updated_at = %(now)s,
            submitted_at = CASE WHEN %(submit)s THEN %(now)s ELSE submitted_at END
          WHERE id = %(id)s AND revision = %(revision)s
          RETURNING id, revision
        ), h AS (
          INSERT INTO {_t(history)} ({connection.ops.quote_name(parent)}, revision, labels, status,
                                     differ_from_guess, created_at, author_id)
          SELECT id, revision, %(labels)s, %(status)s, %(differ)s, %(now)s, %(author)s FROM u
          RETURNING revision
        )
        SELECT (SELECT revision FROM h), {count}"""
    params = dict(values, id=row_id, revision=revision, author=author_id)
    if count_task is not None:
        params.update(task=count_task[0], chip=count_task[1])
    name = f"lcnet_save_{model._meta.model_name}{'_count' if count_task else ''}"
    with connection.cursor() as cur:
        _execute(cur, name, sql, params, types)
        return cur.fetchone()


def submitted_count(*, task_id: int, chip_id: str) -> int:
    """Active annotators of the task whose annotation is submitted (a fresh snapshot: run it after commit)."""
    sql = f"SELECT {_submitted_count_sql(but_author=False)}"
    with connection.cursor() as cur:
        _execute(cur, "lcnet_submitted_count", sql, {"task": task_id, "chip": chip_id},
                 {"task": "bigint", "chip": "varchar"})
        return cur.fetchone()[0]
