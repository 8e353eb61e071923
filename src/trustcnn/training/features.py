"""The frozen-prefix feature cache.

The backbone never trains during baseline or trust training (paper §3.2), so its output
for every image can be computed once; each epoch then runs only the trainable suffix.
Valid whenever the saliency method needs nothing below the trainable layer — true for
Grad-CAM, false for Guided Grad-CAM (it backpropagates to the input).
"""

from __future__ import annotations

import torch

from trustcnn.models import SplitNet
from trustcnn.training.tensors import TensorSet


@torch.no_grad()
def cache_features(model: SplitNet, data: TensorSet, batch_size: int = 256) -> TensorSet:
    model.eval()
    device = next(model.parameters()).device
    chunks = [model.features(batch.x.to(device)).cpu() for batch in data.batches(batch_size)]
    return data.with_x(torch.cat(chunks))
