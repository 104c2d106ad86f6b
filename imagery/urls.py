from django.urls import path, register_converter

from . import layers_api


class SignedInt:
    """Like <int:> but accepts a minus sign, so a negative pixel gets a 400 naming the range, not a bare 404."""

    regex = "-?[0-9]{1,6}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(SignedInt, "signed")

urlpatterns = [
    path("tasks/<int:task_id>/scenes/", layers_api.TaskScenesView.as_view(), name="task-scenes"),
    path("tasks/<int:task_id>/layers/<str:layer>.png", layers_api.TaskLayerView.as_view(), name="task-layer"),
    path(
        "tasks/<int:task_id>/pixels/<signed:row>/<signed:col>/series/",
        layers_api.PixelSeriesView.as_view(),
        name="task-pixel-series",
    ),
]
