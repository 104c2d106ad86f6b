"""Tiles, chips, scenes and tasks: the imagery every other app builds on."""
from affine import Affine
from django.db import models
from django.db.models import Q

from imagery.lib.domain import CHIP_SIZE, TASK_SIZE, TASKS_PER_SIDE


class Tile(models.Model):
    id = models.CharField(primary_key=True, max_length=16, help_text="Sentinel-2 MGRS tile, e.g. 32NLP")
    epsg = models.PositiveIntegerField(help_text="UTM CRS of the tile")
    continent = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.id


class Chip(models.Model):
    """256×256 pixels at 10 m; smaller sources are padded with no data (0) to this size."""

    id = models.CharField(primary_key=True, max_length=64, help_text="<tile>_<nn>, e.g. 32NLP_00")
    tile = models.ForeignKey(Tile, on_delete=models.PROTECT, related_name="chips")
    epsg = models.PositiveIntegerField()
    transform = models.JSONField(help_text="Affine coefficients a, b, c, d, e, f (rasterio order)")
    bounds = models.JSONField(help_text="left, bottom, right, top in the chip CRS")
    height = models.PositiveSmallIntegerField(default=CHIP_SIZE)
    width = models.PositiveSmallIntegerField(default=CHIP_SIZE)
    # One display stretch per chip (per band, p2–p98 of cloud-free pixels of all dates),
    # so every task and every date of the chip looks alike.
    stretch_low = models.JSONField(default=list)
    stretch_high = models.JSONField(default=list)
    source = models.CharField(max_length=500, blank=True, help_text="What the chip was ingested from")
    fingerprint = models.CharField(max_length=64, blank=True, help_text="Content hash: re-ingest is a no-op")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [  # the same imagery is stored once (ingest's idempotence, enforced by the database too)
            models.UniqueConstraint(fields=["fingerprint"], condition=~Q(fingerprint=""), name="chip_unique_fingerprint"),
        ]

    def __str__(self):
        return self.id

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform[:6])


class Scene(models.Model):
    """One date of a chip; its raster is a 12-band COG (see imagery.lib.domain for the band layout)."""

    chip = models.ForeignKey(Chip, on_delete=models.CASCADE, related_name="scenes")
    date = models.DateField()
    cloud_fraction = models.FloatField(help_text="Share of the chip's data pixels flagged cloudy (SCL or mask)")
    file = models.FileField(max_length=300)
    has_scl = models.BooleanField(default=False)
    has_cloud_mask = models.BooleanField(default=False)

    class Meta:
        ordering = ["chip", "date"]
        constraints = [models.UniqueConstraint(fields=["chip", "date"], name="scene_unique_chip_date")]

    def __str__(self):
        return f"{self.chip_id} {self.date}"


class Task(models.Model):
    """One 32×32 window of a chip: row and col 0–7."""

    chip = models.ForeignKey(Chip, on_delete=models.CASCADE, related_name="tasks")
    row = models.PositiveSmallIntegerField()
    col = models.PositiveSmallIntegerField()
    has_data = models.BooleanField(default=True, help_text="False: only no data; never handed out")

    class Meta:
        ordering = ["chip", "row", "col"]
        constraints = [
            models.UniqueConstraint(fields=["chip", "row", "col"], name="task_unique_chip_row_col"),
            models.CheckConstraint(
                condition=Q(row__lt=TASKS_PER_SIDE) & Q(col__lt=TASKS_PER_SIDE), name="task_row_col_in_chip"
            ),
        ]

    def __str__(self):
        return f"{self.chip_id} r{self.row} c{self.col}"

    @property
    def window(self) -> tuple[int, int, int, int]:
        """(row_off, col_off, height, width) in chip pixels."""
        return self.row * TASK_SIZE, self.col * TASK_SIZE, TASK_SIZE, TASK_SIZE


class ChipAcquisition(models.Model):
    """How a chip's scenes were chosen from a STAC catalog (acquire_chips): the catalog, the year, what was missing."""

    chip = models.OneToOneField(Chip, on_delete=models.CASCADE, related_name="acquisition")
    catalog_url = models.URLField(max_length=300)
    collection = models.CharField(max_length=100)
    year = models.PositiveSmallIntegerField()
    n_items = models.PositiveIntegerField(help_text="Items on the chip's grid covering it in the year")
    n_probed = models.PositiveIntegerField(help_text="Items that passed the tile-cloud filter; their SCL window was read")
    n_usable = models.PositiveIntegerField(help_text="Probed dates whose chip window is usable (inside the swath)")
    missing_months = models.JSONField(default=list, help_text="Calendar months without a usable scene")
    short_by = models.PositiveSmallIntegerField(default=0, help_text="Scenes fewer than the rule's 24")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.chip_id} {self.year}"

    @property
    def complete(self) -> bool:
        return not self.missing_months and not self.short_by

    def scenes_month_picks(self) -> int:
        return SceneAcquisition.objects.filter(scene__chip_id=self.chip_id, pick="month").count()


class SceneAcquisition(models.Model):
    """Why a scene was chosen: the Item it came from, the pick (month / extra) and the cloud figures it was judged by."""

    PICKS = [("month", "least cloudy of its month"), ("extra", "one of the least cloudy of the rest")]

    scene = models.OneToOneField(Scene, on_delete=models.CASCADE, related_name="acquisition")
    item_id = models.CharField(max_length=200, help_text="STAC Item id")
    pick = models.CharField(max_length=5, choices=PICKS)
    tile_cloud_pct = models.FloatField(null=True, help_text="The Item's eo:cloud_cover (whole tile), percent")
    chip_cloud_pct = models.FloatField(help_text="Cloud and shadow share of the chip's data pixels (SCL), percent")
    chip_nodata_pct = models.FloatField(help_text="Share of the chip outside the swath (SCL no data), percent")
    dn_offset = models.SmallIntegerField(default=0, help_text="Added to the Item's DNs (-1000: baseline ≥ 04.00)")

    def __str__(self):
        return f"{self.scene} ← {self.item_id} ({self.pick})"
