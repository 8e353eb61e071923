"""Framework-free data sources: every one yields :class:`ImageSet` objects (no Kedro here)."""

from trustcnn.data.composite import (
    DECOY_MODES,
    MASK_THRESHOLD,
    Composite,
    DecoyMode,
    class_palette,
    composite_glyphs,
)
from trustcnn.data.digits import load_digit_glyphs, make_digits
from trustcnn.data.glyph_task import SPLITS, make_glyph_task
from trustcnn.data.image_folder import FolderLoad, load_image_folder
from trustcnn.data.images import SkippedFile, find_duplicates
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
    "FolderLoad",
    "ImageSet",
    "SkippedFile",
    "class_palette",
    "composite_glyphs",
    "find_duplicates",
    "load_digit_glyphs",
    "load_image_folder",
    "load_texture",
    "make_digits",
    "make_glyph_task",
    "random_texture_crops",
    "stratified_split",
]
