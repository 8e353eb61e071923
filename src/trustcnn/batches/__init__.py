"""Splits as torch batches, the device, and several processes (``torchrun``): what training,
post-hoc saliency, error detection, robustness and the studies all read their images through."""

from trustcnn.batches import distributed
from trustcnn.batches.distributed import default_device
from trustcnn.batches.tensors import (
    SplitData,
    TensorSet,
    batches,
    channel_stats,
    images_to_tensor,
    input_example,
    round_robin,
    to_tensors,
)

__all__ = [
    "SplitData",
    "TensorSet",
    "batches",
    "channel_stats",
    "default_device",
    "distributed",
    "images_to_tensor",
    "input_example",
    "round_robin",
    "to_tensors",
]
