"""Query and response shapes of the task imagery API (the responses feed the OpenAPI schema)."""

from rest_framework import serializers

from imagery.lib.windows import MAX_CONTEXT
from imagery.lib.render import CLOUD_STYLES


class ContextQuery(serializers.Serializer):
    context = serializers.IntegerField(min_value=0, max_value=MAX_CONTEXT, default=0,
                                       help_text="pixels shown around the task on each side (clipped to the chip)")


class LayerQuery(ContextQuery):
    scene = serializers.IntegerField(min_value=0, default=0, help_text="index of the scene by date (0-based)")
    cloud_style = serializers.ChoiceField(choices=CLOUD_STYLES, default="none", help_text="how to draw cloudy pixels")


class BoxOut(serializers.Serializer):
    x = serializers.IntegerField()
    y = serializers.IntegerField()
    w = serializers.IntegerField()
    h = serializers.IntegerField()


class SceneOut(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.IntegerField()
    date = serializers.DateField()
    cloud_fraction = serializers.FloatField(help_text="of the whole chip, from ingest")
    valid_fraction = serializers.FloatField(help_text="of the task window: data, SCL not invalid, not masked")


class ScenesOut(serializers.Serializer):
    task = serializers.IntegerField()
    chip = serializers.CharField()
    task_window = serializers.ListField(child=serializers.IntegerField(), help_text="row_off, col_off, h, w")
    context = serializers.IntegerField()
    window = serializers.ListField(child=serializers.IntegerField(), help_text="context window in the chip")
    task_box = BoxOut(help_text="the task inside the context window (same as the X-Task-Box header)")
    layers = serializers.ListField(child=serializers.CharField())
    scenes = SceneOut(many=True)


class PointOut(serializers.Serializer):
    scene = serializers.IntegerField()
    date = serializers.DateField()
    reflectance = serializers.ListField(child=serializers.FloatField(allow_null=True), help_text="DN / 10000")
    ndvi = serializers.FloatField(allow_null=True)
    ndwi = serializers.FloatField(allow_null=True)
    scl = serializers.IntegerField(allow_null=True, help_text="null when the scene had no SCL")
    valid = serializers.BooleanField()


class SeriesOut(serializers.Serializer):
    task = serializers.IntegerField()
    row = serializers.IntegerField()
    col = serializers.IntegerField()
    chip_row = serializers.IntegerField()
    chip_col = serializers.IntegerField()
    bands = serializers.ListField(child=serializers.CharField())
    series = PointOut(many=True)
