"""Domain constants shared by every layer (no Django import).

Sources: ../shared/docs/DOMAIN.md (LandCoverNet paper and published dataset).
"""

# Grid
CHIP_SIZE = 256  # pixels a side, 10 m
TASK_SIZE = 32  # pixels a side
TASKS_PER_SIDE = CHIP_SIZE // TASK_SIZE  # 8 -> 64 tasks per chip
PIXEL_SIZE_M = 10.0

# The ten bands we keep, in LandCoverNet order (10 m bands first, then 20 m).
BANDS = ("B02", "B03", "B04", "B08", "B05", "B06", "B07", "B8A", "B11", "B12")
BAND_INDEX = {name: i for i, name in enumerate(BANDS)}
REFLECTANCE_SCALE = 10000  # uint16 DN = reflectance * 10000

# Scene COG layout: bands 1..10 reflectance (uint16), then SCL, then a binary cloud mask.
# A layer the source did not have is filled with ABSENT so readers can tell "missing" from a class.
SCENE_BAND_COUNT = len(BANDS) + 2
SCL_BAND = len(BANDS)  # 0-based index in the COG array
CLOUD_MASK_BAND = len(BANDS) + 1
ABSENT = 255

# Sentinel-2 L2A scene classification (SCL)
SCL_NO_DATA = 0
SCL_SATURATED = 1
SCL_DARK = 2
SCL_CLOUD_SHADOW = 3
SCL_VEGETATION = 4
SCL_NOT_VEGETATED = 5
SCL_WATER = 6
SCL_UNCLASSIFIED = 7
SCL_CLOUD_MEDIUM = 8
SCL_CLOUD_HIGH = 9
SCL_THIN_CIRRUS = 10
SCL_SNOW = 11
# Cloudy SCL codes: counted in a scene's cloud fraction, drawn as cloud by the layers, unusable for the model.
# Saturated/defective (1) belongs here: DOMAIN.md names {1, 3, 8, 9, 10} (with no data, 0) as the invalid set "for the
# model, the cloud fraction and the cloud hatch alike" — a defective pixel is as unusable as a cloudy one, and leaving
# it out of the cloud fraction made a scene's fraction disagree with its hatch. imagery.lib.observations applies them.
SCL_CLOUDY = (SCL_SATURATED, SCL_CLOUD_SHADOW, SCL_CLOUD_MEDIUM, SCL_CLOUD_HIGH, SCL_THIN_CIRRUS)
# Unusable observations: no data, or cloudy.
SCL_INVALID = (SCL_NO_DATA, *SCL_CLOUDY)

# LandCoverNet taxonomy
NO_DATA = 0
CLASS_NAMES = {
    0: "No Data",
    1: "Water",
    2: "Artificial Bareground",
    3: "Natural Bareground",
    4: "Permanent Snow/Ice",
    5: "Woody Vegetation",
    6: "Cultivated Vegetation",
    7: "(Semi) Natural Vegetation",
}
N_CLASSES = len(CLASS_NAMES)  # 8 codes, 0..7; labeled classes are 1..7
CLASS_COLORS = {  # RGBA, the published LandCoverNet color map
    0: (0, 0, 0, 0),
    1: (0, 0, 255, 255),
    2: (136, 136, 136, 255),
    3: (209, 164, 109, 255),
    4: (245, 245, 255, 255),
    5: (214, 76, 43, 255),
    6: (24, 104, 24, 255),
    7: (0, 255, 0, 255),
}
