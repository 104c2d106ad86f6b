"""Chip summaries (export.models.ChipSummary), counted once here from the consensus rows already stored."""
import django.db.models.deletion
from django.db import migrations, models


def count_existing(apps, schema_editor):
    if not apps.get_model("consensus", "ConsensusLabel").objects.exists():
        return
    from export.summaries import chip_summaries_rebuild  # the one recount rule (reads only the columns it needs)

    chip_summaries_rebuild()


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('imagery', '0003_chip_unique_fingerprint'),
        ('consensus', '0004_routing_order_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChipSummary',
            fields=[
                ('chip', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='summary', serialize=False, to='imagery.chip')),
                ('n_tasks', models.PositiveSmallIntegerField(help_text='tasks with data')),
                ('n_done', models.PositiveSmallIntegerField(help_text='of them with a consensus label')),
                ('complete', models.BooleanField(help_text='every task with data has a consensus label')),
                ('mean_score', models.FloatField(help_text="mean of the tasks' mean scores, 0..1")),
                ('class_pixels', models.BinaryField(help_text='int64[8]: pixels per class code of the consensus labels')),
                ('percent_pixels', models.BinaryField(help_text='int64[101]: labeled pixels per integer score percent')),
                ('updated_at', models.DateTimeField()),
                ('tile', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='imagery.tile')),
            ],
            options={
                'ordering': ['chip'],
                'indexes': [models.Index(fields=['tile', 'chip'], name='chipsummary_tile')],
            },
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
