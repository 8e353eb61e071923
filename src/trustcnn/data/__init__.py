"""Framework-free data sources: every one yields :class:`ImageSet` objects (no Kedro here)."""

from trustcnn.data.composite import (
    DECOY_MODES,
    MASK_THRESHOLD,
    Composite,
    DecoyMode,
    class_palette,
    composite_glyphs,
)
from trustcnn.data.digits import SPLITS, load_digit_glyphs, make_digits
from trustcnn.data.imageset import ImageSet
from trustcnn.data.splits import stratified_split
from trustcnn.data.textures import TEXTURE_NAMES, load_texture, random_texture_crops

__all__ = [
    "DECOY_MODES",
    "MASK_THRESHOLD",
    "SPLITS",
    "TEXTURE_NAMES",
    "Composite",
    "DecoyMode",
    "ImageSet",
    "class_palette",
    "composite_glyphs",
    "load_digit_glyphs",
    "load_texture",
    "make_digits",
    "random_texture_crops",
    "stratified_split",
]
