"""Export and dataset-figure routes (included under /api/ by lcnet_site.urls)."""
from django.urls import path, re_path

from export import api as export_api, stats_pages

urlpatterns = [
    path("export/chips/", export_api.ExportChips.as_view(), name="export-chips"),
    path("export/chips/<str:chip_id>/labels.tif", export_api.ChipLabelsTif.as_view(), name="export-chip-tif"),
    path("export/chips/<str:chip_id>/confidence.tif", export_api.ChipConfidenceTif.as_view(),
         name="export-chip-confidence"),
    path("export/chips/<str:chip_id>/labels.json", export_api.ChipLabelsJson.as_view(), name="export-chip-json"),
    path("export/chips/<str:chip_id>/stac.json", export_api.ChipStac.as_view(), name="export-chip-stac"),
    path(
        "export/chips/<str:chip_id>/source_dates.csv", export_api.ChipSourceDates.as_view(), name="export-chip-dates"
    ),
    re_path(
        r"^export/chips/(?P<chip_id>[^/]+)/scenes/(?P<day>\d{4}-\d{2}-\d{2})\.tif$",
        export_api.ChipSceneTif.as_view(), name="export-chip-scene",
    ),
    path("export/dataset.zip", export_api.DatasetZip.as_view(), name="export-dataset-zip"),
    path("stats/classes/", export_api.StatsClasses.as_view(), name="stats-classes"),
    path("stats/classes.png", export_api.StatsClassesPng.as_view(), name="stats-classes-png"),
    path("stats/consensus-scores/", export_api.StatsScores.as_view(), name="stats-scores"),
    path("stats/consensus-scores.png", export_api.StatsScoresPng.as_view(), name="stats-scores-png"),
    path("stats/progress/", export_api.StatsProgress.as_view(), name="stats-progress"),
    path("stats/dashboard/", stats_pages.dashboard, name="stats-dashboard"),
]
