import numpy as np
import pytest
from matplotlib.figure import Figure

from trustcnn.data import ImageSet, make_digits
from trustcnn.plotting.preview import preview_grid


@pytest.fixture(scope="module")
def train() -> ImageSet:
    return make_digits(classes=[0, 1, 2], seed=0)["train"]


def test_preview_has_n_labelled_axes_and_saves(train, tmp_path):
    fig = preview_grid(train, n=16, title="digits")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 16
    assert fig.axes[0].get_title() == train.class_names[train.labels[0]]
    path = tmp_path / "preview.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_preview_draws_mask_and_decoy_outlines(train):
    fig = preview_grid(train, n=4)
    assert all(len(ax.collections) == 2 for ax in fig.axes)


def test_preview_without_masks_and_fewer_images_than_n(train):
    plain = ImageSet(images=train.images[:3], labels=train.labels[:3], class_names=train.class_names)
    fig = preview_grid(plain, n=16)
    assert len(fig.axes) == 3
    assert all(len(ax.collections) == 0 for ax in fig.axes)


@pytest.mark.parametrize("n", [0, -2])
def test_preview_rejects_bad_n(train, n):
    with pytest.raises(ValueError, match="n"):
        preview_grid(train, n=n)


def test_preview_rejects_empty_sets(train):
    with pytest.raises(ValueError, match="images"):
        preview_grid(train.subset(np.zeros(len(train), dtype=bool)))


def test_preview_renders_class_names_that_were_not_utf8(train, tmp_path):
    """Names the loader made safe (invalid bytes → U+FFFD) draw and save."""
    import dataclasses

    renamed = dataclasses.replace(train, class_names=tuple(f"caf\ufffd{i}" for i in range(len(train.class_names))))
    preview_grid(renamed, n=4).savefig(tmp_path / "preview.png")
    assert (tmp_path / "preview.png").stat().st_size > 0
