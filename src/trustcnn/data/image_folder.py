"""The user's own images: ``root/<class>/<image>``, with optional object masks.

Conventions (one place, so the loader, its report and its tests agree):

* Classes are the sorted names of the non-hidden subfolders of ``root`` (a ``masks_root``
  that is itself a subfolder of ``root`` is not a class). Files in a class folder are
  read in sorted name order; labels index the sorted class names.
* Image files are recognised by extension, case-insensitively (:data:`IMAGE_EXTENSIONS`).
  Hidden files and folders are ignored. Any other file that cannot be used (wrong
  extension, empty, not an image, truncated, corrupt) is not an error but a
  :class:`SkippedFile` with a precise reason, so one bad upload never stops an
  ingestion and the user can see what was left out (the ingestion pipeline lists them
  in ``ingestion_report.csv``). Truncated files are detected (Pillow's
  ``LOAD_TRUNCATED_IMAGES`` stays off).
* Every image becomes 8-bit RGB whatever its mode. Transparency (RGBA, LA, palette or
  colour-key) is composited onto :data:`BACKGROUND` (white, as a viewer shows it).
  16-bit images are scaled by their full range (``v * 255 / 65535``), never clipped;
  32-bit integer images with values inside ``[0, 65535]`` are treated the same, other
  integer and float images are stretched from their own min..max. EXIF orientation is
  applied, so an image is taken (and its mask must be drawn) as viewers display it.
* Resizing: the largest centred square is cropped (aspect ratio kept, borders of the
  longer side dropped), then resized to ``image_size`` × ``image_size`` with Lanczos.
* Masks (when ``masks_root`` is given, every kept image needs one):
  ``masks_root/<class>/<stem>.png`` (found by stem, so ``a.jpg`` and ``a.png`` would
  share one), object = pixels > 0 after conversion to L. A mask
  must have its image's size (after EXIF orientation); it gets the same crop and a
  nearest-neighbour resize. A missing, unreadable or mis-sized mask is a ``ValueError``:
  masks feed the explanation metrics, so silently dropping or stretching one would bias
  them.
* Paths in :class:`FolderLoad` and :class:`SkippedFile` are POSIX paths relative to
  ``root`` (``"cat/001.jpg"``), so a report is the same on every machine. A name that is
  not valid UTF-8 is kept but shown with U+FFFD for its invalid bytes (class names too), and
  reported. Files the system can't read (link loops, broken links, no permission) and
  special files (FIFOs, devices) are reported with that reason, never read.
* Reported but kept: a mask with no object pixel (its localisation metrics are NaN). Left
  out and reported: every copy of an image that appears in two classes (a label conflict).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from trustcnn.config import DataConfig
from trustcnn.data.images import Box, SkippedFile, center_square, digest, resize_square
from trustcnn.data.imageset import ImageSet
from trustcnn.data.source import DataSource, SourceData, split_photos
from trustcnn.runtime.errors import DataError
from trustcnn.runtime.ondisk import Filler, allocate, gather

IMAGE_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
MASK_SUFFIX = ".png"
BACKGROUND: tuple[int, int, int] = (255, 255, 255)
_SIXTEEN_BIT_MAX = 65535
_TRANSPARENT_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_HIGH_DEPTH_MODES = frozenset({"I", "F", "I;16", "I;16L", "I;16B", "I;16N"})
_SINGLE_CHANNEL_MODES = _HIGH_DEPTH_MODES | {"1", "L"}


@dataclass(frozen=True)
class FolderLoad:
    """The loaded images, the files left out, and the kept files aligned with ``images``."""

    images: ImageSet
    skipped: tuple[SkippedFile, ...]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class _Kept:
    """One image kept: its file, and the digest of its pixels (label conflicts are found by it)."""

    path: str
    digest: bytes


class _Rows:
    """Resized images (and masks) written row by row as they are read — into memory, or into
    a temporary file when ``capacity`` rows would exceed ``memory_budget_mb`` — so the
    photos of a large folder are never all held as Python objects, nor copied when stacked."""

    def __init__(self, capacity: int, image_size: int, with_masks: bool, memory_budget_mb: float) -> None:
        shape = (capacity, image_size, image_size)
        budget = memory_budget_mb if capacity * image_size**2 * (4 if with_masks else 3) <= memory_budget_mb * 2**20 else 0.0
        self.images = Filler(allocate((*shape, 3), np.uint8, budget))
        self.masks = Filler(allocate(shape, bool, budget)) if with_masks else None

    def add(self, image: np.ndarray, mask: np.ndarray | None) -> None:
        self.images.add(image[None])
        if self.masks is not None:
            assert mask is not None  # with masks, every image comes with its mask
            self.masks.add(mask[None])

    def done(self) -> tuple[np.ndarray, np.ndarray | None]:
        return self.images.done(partial=True), None if self.masks is None else self.masks.done(partial=True)


def load_image_folder(
    root: str | Path, *, image_size: int, masks_root: str | Path | None = None, memory_budget_mb: float = float("inf")
) -> FolderLoad:
    """Load ``root/<class>/<image>`` as one :class:`ImageSet` (see the module docstring).
    Images (and masks) larger than ``memory_budget_mb`` together are written to a
    temporary file as they are read, and come back memory-mapped."""
    if image_size < 1:
        raise ValueError(f"image_size must be positive, got {image_size}")
    root = Path(root)
    masks_dir = None if masks_root is None else Path(masks_root)
    class_dirs = _class_dirs(root, masks_dir)
    listings = [_list_class(root, class_dir) for class_dir in class_dirs]
    rows = _Rows(sum(map(len, listings)), image_size, masks_dir is not None, memory_budget_mb)
    skipped: list[SkippedFile] = _stray_files(root)
    kept: list[_Kept] = []
    labels: list[int] = []
    for label, (class_dir, entries) in enumerate(zip(class_dirs, listings)):
        class_kept, class_skipped = _load_class(root, class_dir, entries, masks_dir, image_size, rows)
        if not class_kept:
            raise DataError(
                f"class {safe_name(class_dir.name)!r} in {root} has no usable image "
                f"({len(class_skipped)} file(s) skipped: {_summary(class_skipped)})"
            )
        kept.extend(class_kept)
        skipped.extend(class_skipped)
        labels.extend([label] * len(class_kept))
    class_names = tuple(safe_name(d.name) for d in class_dirs)
    skipped += [SkippedFile(f"{name}/", NOT_UTF8) for d, name in zip(class_dirs, class_names) if name != d.name]
    keep, conflicts = _without_label_conflicts(kept, labels, class_names)
    images, masks = rows.done()
    if len(keep) < len(kept):
        images, masks = gather(images, keep, memory_budget_mb), None if masks is None else gather(masks, keep, memory_budget_mb)
    image_set = ImageSet(images=images, labels=np.asarray(labels, dtype=np.int64)[keep], class_names=class_names, masks=masks)
    return FolderLoad(images=image_set, skipped=tuple(skipped + conflicts), paths=tuple(kept[i].path for i in keep))


def _without_label_conflicts(kept: list[_Kept], labels: list[int], class_names: tuple[str, ...]) -> tuple[np.ndarray, list[SkippedFile]]:
    """The positions of the images to keep: every copy of an image that appears in two
    classes is left out — its label is contradictory — and reported with the other class."""
    by_digest: dict[bytes, list[int]] = {}
    for index, item in enumerate(kept):
        by_digest.setdefault(item.digest, []).append(index)
    dropped: dict[int, SkippedFile] = {}
    for copies in by_digest.values():
        if len({labels[i] for i in copies}) < 2:
            continue
        for i in copies:
            others = sorted({class_names[labels[j]] for j in copies if labels[j] != labels[i]})
            dropped[i] = SkippedFile(kept[i].path, f"label conflict: the same image is also in class(es) {others}; left out")
    return np.array([i for i in range(len(kept)) if i not in dropped], dtype=np.int64), list(dropped.values())


def _class_dirs(root: Path, masks_dir: Path | None) -> list[Path]:
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist or is not a directory")
    masks_resolved = None if masks_dir is None else masks_dir.resolve()
    class_dirs = sorted(child for child in root.iterdir() if child.is_dir() and not _hidden(child) and child.resolve() != masks_resolved)
    if len(class_dirs) < 2:
        raise DataError(f"image folder {root} needs at least 2 class subfolders, found {len(class_dirs)}: {[d.name for d in class_dirs]}")
    return class_dirs


def _stray_files(root: Path) -> list[SkippedFile]:
    """Files directly in ``root``: listed so a user sees they belong to no class."""
    return [
        SkippedFile(_relative(root, path), "not inside a class folder")
        for path in sorted(root.iterdir())
        if path.is_file() and not _hidden(path)
    ]


def _list_class(root: Path, class_dir: Path) -> list[Path]:
    """The class folder's non-hidden entries, sorted by name."""
    try:
        entries = sorted(class_dir.iterdir())
    except OSError as error:
        raise DataError(f"class folder {safe_name(class_dir.name)!r} in {root} cannot be listed: {error.strerror or error}") from error
    return [path for path in entries if not _hidden(path)]


def _load_class(
    root: Path, class_dir: Path, entries: list[Path], masks_dir: Path | None, image_size: int, rows: _Rows
) -> tuple[list[_Kept], list[SkippedFile]]:
    """Read, resize and store (in ``rows``) every usable image among ``entries``."""
    kept: list[_Kept] = []
    skipped: list[SkippedFile] = []
    for path in entries:
        image, reason = _read_image(path)
        if image is None:
            skipped.append(SkippedFile(_relative(root, path), reason))
            continue
        box = center_square(image.size)
        mask = None
        if masks_dir is not None:
            mask_path = masks_dir / class_dir.name / f"{path.stem}{MASK_SUFFIX}"
            mask = _read_mask(mask_path, path, image.size, box, image_size)
            if not mask.any():
                skipped.append(SkippedFile(_relative(root, path), EMPTY_MASK))
        if safe_name(path.name) != path.name:
            skipped.append(SkippedFile(_relative(root, path), NOT_UTF8))
        resized = resize_square(image, box, image_size)
        rows.add(resized, mask)
        kept.append(_Kept(_relative(root, path), digest(resized)))
    return kept, skipped


def _read_image(path: Path) -> tuple[Image.Image | None, str]:
    """The image at ``path`` as RGB, or ``None`` and the reason it cannot be used."""
    try:
        info = path.stat()  # follows links: a link is judged by what it points to
    except OSError as error:  # a broken link, a link loop, no permission to look
        return None, f"cannot read: {error.strerror or error}"
    if stat.S_ISDIR(info.st_mode):
        return None, "folder inside a class folder (not searched)"
    if not stat.S_ISREG(info.st_mode):
        return None, f"not a regular file ({_file_kind(info.st_mode)})"
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        return None, "not an image extension"
    if info.st_size == 0:
        return None, "empty file"
    try:
        with Image.open(path) as image:
            image.load()
            oriented = ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        return None, "cannot identify image file (not an image or an unsupported format)"
    except PermissionError as error:
        return None, f"cannot read: {error.strerror}"
    except Image.DecompressionBombError as exc:
        return None, f"image too large: {exc}"
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "skip this file"
        message = str(exc) or type(exc).__name__
        kind = "truncated image" if "truncated" in message.lower() else "unreadable image"
        return None, f"{kind}: {message}"
    return _to_rgb(oriented), ""


def _file_kind(mode: int) -> str:
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}
    return next((kind for test, kind in kinds.items() if test(mode)), "a special file")


def safe_name(name: str) -> str:
    """A file name as text anyone can print: bytes that aren't UTF-8 (kept by Python as
    surrogates) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in _HIGH_DEPTH_MODES:
        return Image.fromarray(_high_depth_to_uint8(np.asarray(image), image.mode)).convert("RGB")
    if image.mode in _TRANSPARENT_MODES or "transparency" in image.info:
        background = Image.new("RGBA", image.size, (*BACKGROUND, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def _high_depth_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """16-bit (and 16-bit-ranged 32-bit int) by the full range, anything else min..max."""
    values = np.nan_to_num(values.astype(np.float64))
    low, high = float(values.min()), float(values.max())
    if mode != "F" and low >= 0 and high <= _SIXTEEN_BIT_MAX:
        scaled = values * (255 / _SIXTEEN_BIT_MAX)
    elif high > low:
        scaled = (values - low) * (255 / (high - low))
    else:
        scaled = np.zeros_like(values)
    return np.rint(scaled).astype(np.uint8)


def _read_mask(mask_path: Path, image_path: Path, original_size: tuple[int, int], box: Box, image_size: int) -> np.ndarray:
    if not mask_path.is_file():
        raise DataError(f"missing mask {mask_path} for image {image_path}")
    try:
        with Image.open(mask_path) as mask:
            mask.load()
            gray = mask if mask.mode in _SINGLE_CHANNEL_MODES else mask.convert("L")
            on = np.asarray(gray) > 0
    except Exception as exc:
        raise DataError(f"cannot read mask {mask_path} for image {image_path}: {exc}") from exc
    if on.shape[::-1] != original_size:
        raise DataError(
            f"mask {mask_path} is {on.shape[1]}x{on.shape[0]} but image {image_path} is "
            f"{original_size[0]}x{original_size[1]}; a mask must have its image's size"
        )
    square = Image.fromarray(on.astype(np.uint8) * 255).crop(box)
    return np.asarray(square.resize((image_size, image_size), Image.Resampling.NEAREST)) > 0


NOT_UTF8 = "kept; the name is not valid UTF-8 (its invalid bytes are shown as \ufffd)"
EMPTY_MASK = "kept; its mask has no object pixel, so localisation metrics leave it out (NaN)"


def _summary(skipped: list[SkippedFile]) -> str:
    return "; ".join(f"{Path(s.path).name}: {s.reason}" for s in skipped) or "none"


def _hidden(path: Path) -> bool:
    return path.name.startswith(".")


def _relative(root: Path, path: Path) -> str:
    return safe_name(path.relative_to(root).as_posix())


def _load(data: DataConfig) -> SourceData:
    # the folder's images and the splits cut from them are both held: half the budget each
    assert data.root is not None  # DataConfig requires it for a source that needs_root
    loaded = load_image_folder(
        data.root, image_size=data.image_size, masks_root=data.masks_root, memory_budget_mb=data.memory_budget_mb / 2
    )
    return split_photos(loaded.images, loaded.paths, loaded.skipped, data)


SOURCE = DataSource("image_folder", _load, needs_root=True)
