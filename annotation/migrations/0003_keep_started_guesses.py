"""Tasks labeled before guesslabels kept its own record of them: keep their guesses through later runs."""
from django.db import migrations


def keep_started(apps, schema_editor):
    KeptGuess = apps.get_model("guesslabels", "KeptGuess")
    started = set(apps.get_model("annotation", "Annotation").objects.values_list("task_id", flat=True))
    started |= set(apps.get_model("annotation", "ExpertLabel").objects.values_list("task_id", flat=True))
    KeptGuess.objects.bulk_create([KeptGuess(task_id=t) for t in started], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("annotation", "0002_chipwork"), ("guesslabels", "0003_keptguess")]
    operations = [migrations.RunPython(keep_started, migrations.RunPython.noop)]
