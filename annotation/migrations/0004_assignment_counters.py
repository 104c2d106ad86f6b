"""Per-assignment counters kept by the database: the chip's tasks with data and how many of them the annotator has
submitted, so that "what does this annotator have left" is an index (assignment_work_left), not a scan of their
annotations. Triggers keep n_submitted on every write path (the hot path's one-statement SQL, the ORM, bulk loads);
a new assignment starts from what the annotator had already submitted on the chip (a re-assignment keeps its labels).
Existing rows are counted once here. docs/operations.md, "Indexes and summaries".
"""
from django.db import migrations, models
from django.db.models import F, Q

# The task's chip, for a row of annotation_annotation called {row}.
_CHIP = "(SELECT chip_id FROM imagery_task WHERE id = {row}.task_id)"
_RECOUNT = """
    UPDATE annotation_assignment s SET
      n_tasks = (SELECT count(*) FROM imagery_task t WHERE t.chip_id = s.chip_id AND t.has_data),
      n_submitted = (SELECT count(*) FROM annotation_annotation a JOIN imagery_task t ON t.id = a.task_id
                     WHERE t.chip_id = s.chip_id AND a.annotator_id = s.user_id AND a.status = 'submitted')
"""

POSTGRES = f"""
CREATE OR REPLACE FUNCTION lcnet_annotation_counts() RETURNS trigger AS $$
DECLARE
  delta integer := 0;
  row_ record;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'submitted' THEN delta := delta - 1; END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'submitted' THEN delta := delta + 1; END IF;
  IF delta <> 0 THEN
    IF TG_OP = 'DELETE' THEN row_ := OLD; ELSE row_ := NEW; END IF;
    UPDATE annotation_assignment SET n_submitted = n_submitted + delta
    WHERE user_id = row_.annotator_id AND ended_at IS NULL AND chip_id = {_CHIP.format(row="row_")};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER annotation_counts AFTER INSERT OR DELETE OR UPDATE OF status ON annotation_annotation
FOR EACH ROW EXECUTE FUNCTION lcnet_annotation_counts();

CREATE OR REPLACE FUNCTION lcnet_assignment_start() RETURNS trigger AS $$
BEGIN
  NEW.n_tasks := (SELECT count(*) FROM imagery_task t WHERE t.chip_id = NEW.chip_id AND t.has_data);
  NEW.n_submitted := (SELECT count(*) FROM annotation_annotation a JOIN imagery_task t ON t.id = a.task_id
                      WHERE t.chip_id = NEW.chip_id AND a.annotator_id = NEW.user_id AND a.status = 'submitted');
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER assignment_start BEFORE INSERT ON annotation_assignment
FOR EACH ROW EXECUTE FUNCTION lcnet_assignment_start();
"""
POSTGRES_UNDO = """
DROP TRIGGER IF EXISTS annotation_counts ON annotation_annotation;
DROP FUNCTION IF EXISTS lcnet_annotation_counts();
DROP TRIGGER IF EXISTS assignment_start ON annotation_assignment;
DROP FUNCTION IF EXISTS lcnet_assignment_start();
"""

_SQLITE_BUMP = ("UPDATE annotation_assignment SET n_submitted = n_submitted + ({delta}) "
                "WHERE user_id = {row}.annotator_id AND ended_at IS NULL AND chip_id = " + _CHIP + ";")
SQLITE = [  # the demo's database: the same counters, one trigger per event
    "CREATE TRIGGER annotation_counts_insert AFTER INSERT ON annotation_annotation WHEN NEW.status = 'submitted' "
    "BEGIN " + _SQLITE_BUMP.format(delta="1", row="NEW") + " END;",
    "CREATE TRIGGER annotation_counts_delete AFTER DELETE ON annotation_annotation WHEN OLD.status = 'submitted' "
    "BEGIN " + _SQLITE_BUMP.format(delta="-1", row="OLD") + " END;",
    "CREATE TRIGGER annotation_counts_update AFTER UPDATE OF status ON annotation_annotation "
    "WHEN (OLD.status = 'submitted') <> (NEW.status = 'submitted') BEGIN "
    + _SQLITE_BUMP.format(delta="CASE WHEN NEW.status = 'submitted' THEN 1 ELSE -1 END", row="NEW") + " END;",
    "CREATE TRIGGER assignment_start AFTER INSERT ON annotation_assignment BEGIN " + _RECOUNT.replace(
        "annotation_assignment s", "annotation_assignment").replace("s.chip_id", "NEW.chip_id").replace(
        "s.user_id", "NEW.user_id") + " WHERE id = NEW.id; END;",
]
SQLITE_UNDO = [f"DROP TRIGGER IF EXISTS {name};" for name in (
    "annotation_counts_insert", "annotation_counts_delete", "annotation_counts_update", "assignment_start")]


def install(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(POSTGRES)
        run(_RECOUNT)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE:
            run(sql)
        run(_RECOUNT.replace("annotation_assignment s", "annotation_assignment AS s"))
    else:
        raise NotImplementedError(f"assignment counters have no triggers for {schema_editor.connection.vendor}")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNDO)
    else:
        for sql in SQLITE_UNDO:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("annotation", "0003_keep_started_guesses"), ("imagery", "0003_chip_unique_fingerprint")]
    operations = [
        migrations.AddField(
            model_name="assignment", name="n_tasks",
            field=models.PositiveSmallIntegerField(default=0, editable=False, help_text="the chip's tasks with data"),
        ),
        migrations.AddField(
            model_name="assignment", name="n_submitted",
            field=models.PositiveSmallIntegerField(
                default=0, editable=False, help_text="of them submitted by this annotator (kept by triggers)"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=Q(ended_at__isnull=True, n_submitted__lt=F("n_tasks")),
                               fields=["user", "chip"], name="assignment_work_left"),
        ),
        migrations.RunPython(install, uninstall),
    ]
