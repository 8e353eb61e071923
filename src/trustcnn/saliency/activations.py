"""Capturing a layer's output during a forward pass, with the hook always released."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn


class ActivationCapture:
    """The output of the hooked layer from the latest forward pass inside the context."""

    def __init__(self) -> None:
        self._activations: Tensor | None = None

    @property
    def activations(self) -> Tensor:
        if self._activations is None:
            raise RuntimeError("no forward pass through the layer ran inside capture_activations")
        return self._activations


@contextmanager
def capture_activations(layer: nn.Module) -> Iterator[ActivationCapture]:
    """Record ``layer``'s output A on every forward pass inside the ``with`` block.

    The forward continues with a *clone* of A, so in-place ops downstream (torchvision's
    ``ReLU6(inplace=True)``) change the copy and A stays the tensor the layer produced —
    exactly what ``∂z/∂A`` must be taken with respect to. When nothing upstream requires
    grad (a fully frozen model, cached features), A is made a leaf that does, so Grad-CAM
    still works. A layer called several times per forward keeps its last output. The hook
    is removed on exit, also when the block raises.
    """
    capture = ActivationCapture()

    def hook(module: nn.Module, inputs: tuple[object, ...], output: object) -> Tensor:
        if not isinstance(output, Tensor):
            raise TypeError(f"capture_activations needs a layer that returns one tensor, got {type(output).__name__}")
        if torch.is_grad_enabled() and not output.requires_grad:
            output.requires_grad_()
        capture._activations = output
        return output.clone()

    handle = layer.register_forward_hook(hook)
    try:
        yield capture
    finally:
        handle.remove()
