"""Time trustcnn's batched Grad-CAM against pytorch-grad-cam's ``GradCAM`` on CPU.

Same model (torchvision mobilenet_v2, random weights, eval mode), same layer, same batch,
same predicted-class targets, in one process. pytorch-grad-cam returns maps resized to the
input with cv2, so ours is timed both at layer resolution and upsampled to the input.

    .venv/bin/python benchmarks/bench_gradcam.py [--batch 16] [--size 128] [--repeats 10]
"""

from __future__ import annotations

import argparse

import torch
import torchvision
from pytorch_grad_cam import GradCAM
from timing import median_seconds

from trustcnn.saliency import gradcam, upsample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    layer = model.features[18]
    x = torch.randn(args.batch, 3, args.size, args.size)
    size = (args.size, args.size)

    with GradCAM(model, target_layers=[layer]) as reference:
        theirs = median_seconds(lambda: reference(input_tensor=x, targets=None), args.repeats)
    ours = median_seconds(lambda: gradcam(model, layer, x), args.repeats)
    ours_up = median_seconds(lambda: upsample(gradcam(model, layer, x), size), args.repeats)

    print(
        f"mobilenet_v2 features[18], batch {args.batch}×3×{args.size}×{args.size}, "
        f"CPU threads {torch.get_num_threads()}, median of {args.repeats}"
    )
    print(f"  pytorch-grad-cam GradCAM (input res.): {theirs * 1e3:8.1f} ms")
    print(f"  trustcnn gradcam (layer res.):         {ours * 1e3:8.1f} ms   ratio {theirs / ours:.2f}×")
    print(f"  trustcnn gradcam + upsample (input):   {ours_up * 1e3:8.1f} ms   ratio {theirs / ours_up:.2f}×")


if __name__ == "__main__":
    main()
