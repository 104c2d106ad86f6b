"""ReferenceRaster (one on-grid raster per tile) becomes LandCoverMap (any CRS and resolution, many tiles, several
files); runs and guesses name their source; kept guesses remember theirs. Existing rows are carried over."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


def references_to_maps(apps, schema_editor):
    ReferenceRaster = apps.get_model("guesslabels", "ReferenceRaster")
    LandCoverMap = apps.get_model("guesslabels", "LandCoverMap")
    for ref in ReferenceRaster.objects.all():
        row = LandCoverMap.objects.create(
            name=ref.file.name.rsplit("/", 1)[-1][:200], files=[ref.file.name], source=ref.source,
            mapping_name=ref.mapping_name, mapping=ref.mapping,
        )
        row.tiles.set([ref.tile_id])


def maps_to_references(apps, schema_editor):
    ReferenceRaster = apps.get_model("guesslabels", "ReferenceRaster")
    LandCoverMap = apps.get_model("guesslabels", "LandCoverMap")
    for row in LandCoverMap.objects.order_by("created_at"):
        for tile in row.tiles.all():
            ReferenceRaster.objects.update_or_create(tile=tile, defaults={
                "file": row.files[0], "source": row.source, "mapping_name": row.mapping_name, "mapping": row.mapping})


def reference_names_to_sources(apps, schema_editor):
    TrainingRun = apps.get_model("guesslabels", "TrainingRun")
    for run in TrainingRun.objects.exclude(reference_name=""):
        run.training_sources = {"land_cover_maps": run.reference_name.split(", ")}
        run.save(update_fields=["training_sources"])


class Migration(migrations.Migration):

    dependencies = [
        ("guesslabels", "0003_keptguess"),
        ("imagery", "0003_chip_unique_fingerprint"),
    ]

    operations = [
        migrations.CreateModel(
            name="LandCoverMap",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="The map's file (or VRT) name", max_length=200)),
                ("files", models.JSONField(default=list, help_text="Storage names of the map's files, in mosaic order")),
                ("description", models.JSONField(default=list, help_text="CRS, resolution, size and bounds of each file")),
                ("source", models.CharField(help_text="Where the map was registered from", max_length=1000)),
                ("mapping_name", models.CharField(max_length=200)),
                ("mapping", models.JSONField(help_text='{"source code": LandCoverNet class}, as read from the mapping table')),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("tiles", models.ManyToManyField(help_text="Tiles whose chips it covers", related_name="land_cover_maps",
                                                 to="imagery.tile")),
            ],
            options={"ordering": ["-created_at", "-id"]},
        ),
        migrations.RunPython(references_to_maps, maps_to_references),
        migrations.DeleteModel(name="ReferenceRaster"),
        migrations.AddField(
            model_name="trainingrun", name="training_sources",
            field=models.JSONField(blank=True, default=dict, help_text="What the model learned from: land-cover maps, "
                                   "consensus chips and tasks, tiles"),
        ),
        migrations.RunPython(reference_names_to_sources, migrations.RunPython.noop),
        migrations.RemoveField(model_name="trainingrun", name="reference_name"),
        migrations.AddField(
            model_name="trainingrun", name="source",
            field=models.CharField(choices=[
                ("consensus", "the tile's model retrained on the campaign's consensus labels"),
                ("tile", "the tile's own model, trained on its land-cover map"),
                ("campaign", "the campaign-wide model over every tile with training pixels")],
                default="tile", max_length=16),
        ),
        migrations.AlterField(
            model_name="trainingrun", name="tile",
            field=models.ForeignKey(blank=True, help_text="The tile trained and predicted; empty for a campaign-wide run",
                                    null=True, on_delete=django.db.models.deletion.CASCADE, related_name="guess_runs",
                                    to="imagery.tile"),
        ),
        migrations.AddConstraint(
            model_name="trainingrun",
            constraint=models.UniqueConstraint(condition=Q(status__in=["queued", "running"], tile__isnull=True),
                                               fields=("source",), name="guessrun_one_active_campaign_run"),
        ),
        migrations.AddField(
            model_name="guesslabel", name="source",
            field=models.CharField(choices=[
                ("consensus", "the tile's model retrained on the campaign's consensus labels"),
                ("tile", "the tile's own model, trained on its land-cover map"),
                ("campaign", "the campaign-wide model over every tile with training pixels"),
                ("rule", "rule: annual SCL class and NDVI / NDWI")], default="tile", max_length=16),
        ),
        migrations.AddField(
            model_name="keptguess", name="source",
            field=models.CharField(blank=True, choices=[
                ("consensus", "the tile's model retrained on the campaign's consensus labels"),
                ("tile", "the tile's own model, trained on its land-cover map"),
                ("campaign", "the campaign-wide model over every tile with training pixels"),
                ("rule", "rule: annual SCL class and NDVI / NDWI")],
                help_text="Where the kept guess came from", max_length=16),
        ),
        migrations.AddField(
            model_name="keptguess", name="run",
            field=models.ForeignKey(blank=True, help_text="The run whose guess the task started from (none: a "
                                    "rule-based guess)", null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="kept_guesses", to="guesslabels.trainingrun"),
        ),
    ]
