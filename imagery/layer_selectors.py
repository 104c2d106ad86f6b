"""Readers behind the task imagery API: scene list, rendered layers, pixel series (no writes)."""

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from imagery.lib import render
from imagery.lib.series import pixel_series
from imagery.lib.windows import Window, context_window
from imagery.lib.domain import BANDS, SCENE_BAND_COUNT, TASK_SIZE
from imagery.layer_cache import chip_scenes, scene_window
from imagery.models import Scene, Task
from lcnet_site.errors import AppError, NotFound


def task_scenes(task: Task) -> tuple[Scene, ...]:
    return chip_scenes(task.chip)  # ordered by date: index K is the K-th date


def scene_at(task: Task, index: int) -> Scene:
    scenes = task_scenes(task)
    if not scenes:
        raise NotFound("This task's chip has no scenes.")
    if not 0 <= index < len(scenes):
        raise AppError(f"scene must be between 0 and {len(scenes) - 1}, got {index}", field="scene")
    return scenes[index]


def task_context(task: Task, context: int) -> tuple[Window, Window]:
    return context_window(Window(*task.window), context)


def scenes_payload(task: Task, context: int) -> dict:
    window, box = task_context(task, context)
    scenes = [
        {
            "index": i,
            "id": scene.pk,
            "date": scene.date,
            "cloud_fraction": scene.cloud_fraction,
            "valid_fraction": render.valid_fraction(scene_window(scene, task.window)),
        }
        for i, scene in enumerate(task_scenes(task))
    ]
    return {
        "task": task.pk,
        "chip": task.chip_id,
        "task_window": task.window,
        "context": context,
        "window": window,
        "task_box": {"x": box.col_off, "y": box.row_off, "w": box.width, "h": box.height},
        "layers": list(render.LAYERS),
        "scenes": scenes,
    }


def chip_stretch(chip) -> tuple[list[float], list[float]]:
    """The chip's stored per-band stretch, or the documented default when ingest stored none."""
    if len(chip.stretch_low) == len(chip.stretch_high) == len(BANDS):
        return chip.stretch_low, chip.stretch_high
    return [render.DEFAULT_STRETCH[0]] * len(BANDS), [render.DEFAULT_STRETCH[1]] * len(BANDS)


@dataclass(frozen=True)
class LayerImage:
    """One rendered layer of one task window; the ETag is known before any pixel is read."""

    task: Task
    scene: Scene
    layer: str
    window: Window
    box: Window
    cloud_style: str

    @cached_property
    def etag(self) -> str:
        key = repr((render.RENDER_VERSION, self.scene.pk, self.scene.file.name, self.layer, tuple(self.window),
                    self.cloud_style, chip_stretch(self.task.chip)))
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    @property
    def task_box_header(self) -> str:
        return f"{self.box.col_off},{self.box.row_off},{self.box.width},{self.box.height}"

    def png(self) -> bytes:
        pixels = scene_window(self.scene, self.window)
        low, high = chip_stretch(self.task.chip)
        rgba = render.render(self.layer, pixels, low, high, cloud_style=self.cloud_style,
                             origin=(self.window.row_off, self.window.col_off))
        return render.encode_png(rgba)


def layer_image(task: Task, layer: str, *, scene: int, context: int, cloud_style: str) -> LayerImage:
    if layer not in render.LAYERS:
        raise NotFound(f"Unknown layer {layer!r}; valid layers: {', '.join(render.LAYERS)}.")
    window, box = task_context(task, context)
    return LayerImage(task, scene_at(task, scene), layer, window, box, cloud_style)


def _number(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 6)


def pixel_series_payload(task: Task, row: int, col: int) -> dict:
    if not (0 <= row < TASK_SIZE and 0 <= col < TASK_SIZE):
        raise AppError(f"row and col must be between 0 and {TASK_SIZE - 1}, got ({row}, {col})", field="pixel")
    chip_row, chip_col = task.window[0] + row, task.window[1] + col
    scenes = task_scenes(task)
    values = np.array([scene_window(s, (chip_row, chip_col, 1, 1))[:, 0, 0] for s in scenes], dtype=np.uint16)
    s = pixel_series(values.reshape(len(scenes), SCENE_BAND_COUNT))
    return {
        "task": task.pk,
        "row": row,
        "col": col,
        "chip_row": chip_row,
        "chip_col": chip_col,
        "bands": list(BANDS),
        "series": [
            {
                "scene": i,
                "date": scene.date,
                "reflectance": [_number(v) for v in s["reflectance"][i]],
                "ndvi": _number(s["ndvi"][i]),
                "ndwi": _number(s["ndwi"][i]),
                "scl": int(s["scl"][i]) if s["scl"][i] >= 0 else None,
                "valid": bool(s["valid"][i]),
            }
            for i, scene in enumerate(scenes)
        ],
    }
