"""AnnotatorScore → AnnotatorAccuracy, task_scores → task_accuracies: "score" is the per-pixel consensus score only."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):

    dependencies = [
        ("consensus", "0002_annotator_score_related_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="annotatorscore", name="score_accuracy_0_1"),
        migrations.RenameModel("AnnotatorScore", "AnnotatorAccuracy"),
        migrations.RenameField("annotatoraccuracy", "task_scores", "task_accuracies"),
        migrations.AlterField(
            model_name="annotatoraccuracy",
            name="annotator",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="annotator_accuracy",
                serialize=False, to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="annotatoraccuracy",
            name="accuracy",
            field=models.FloatField(blank=True, help_text="Mean of per-task accuracies; null: no reference task",
                                    null=True),
        ),
        migrations.AlterField(
            model_name="annotatoraccuracy",
            name="task_accuracies",
            field=models.JSONField(default=dict, help_text="{task id: fraction of expert pixels labeled alike}"),
        ),
        migrations.AddConstraint(
            model_name="annotatoraccuracy",
            constraint=models.CheckConstraint(
                condition=Q(accuracy__isnull=True) | Q(accuracy__gte=0, accuracy__lte=1), name="annotator_accuracy_0_1"
            ),
        ),
    ]
