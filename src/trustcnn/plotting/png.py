"""A figure as PNG bytes, drawn once however many places take it.

A figure a node returns is written to ``data/`` by the catalog
(:class:`trustcnn.storage.FigureDataset`) and, most of the time, logged into an MLflow run by
the node itself. Drawing is most of what saving a figure costs (≈ 0.5 s for a case-examples
grid; about a fifth of the default run went into drawing figures twice), so both ask
:func:`png_bytes`, which keeps the bytes of each live figure until the figure is garbage. The
cache assumes what every node here does: a figure is not changed after it has been saved or
logged."""

from __future__ import annotations

import io
import weakref

from matplotlib.figure import Figure

DPI = 110  # every figure trustcnn saves or logs
_drawn: weakref.WeakKeyDictionary[Figure, dict[int, bytes]] = weakref.WeakKeyDictionary()


def png_bytes(figure: Figure, dpi: int = DPI) -> bytes:
    """``figure`` as a PNG at ``dpi``, cropped to what it draws (``bbox_inches="tight"``)."""
    by_dpi = _drawn.setdefault(figure, {})
    if dpi not in by_dpi:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        by_dpi[dpi] = buffer.getvalue()
    return by_dpi[dpi]
