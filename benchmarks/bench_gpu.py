"""Training-step and post-hoc saliency cost of every objective, fp32 and mixed precision.

A benchmark, not a test: ``.venv/bin/python benchmarks/bench_gpu.py`` on a machine with a
GPU (MobileNetV2 at 224², batch 64, synthetic data already on the device), or
``--smoke`` anywhere (small_cnn at 32², batch 8, a few steps: what the suite runs). Every
number of a table comes from this process, on the same model and data; ratios are against
the cross-entropy step of the same precision, and against plain torch for post-hoc maps.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import yaml
from captum.attr import LayerGradCam
from timing import median_seconds

from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.models import build_model
from trustcnn.saliency import get_method
from trustcnn.training import CrossEntropyObjective, TensorSet, cache_features, run_epoch, trust_objective

VARIANTS = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_trust.yml"


def objectives() -> dict[str, object]:
    conf = yaml.safe_load(VARIANTS.read_text())
    found = {"cross_entropy": CrossEntropyObjective()}
    for name in conf["trust_variants"]:
        found[name] = trust_objective(TrustConfig(**{**conf[name]["trust"], "grid": None}))
    return found


def peak_memory_mb(device: torch.device) -> str:
    return f"{torch.cuda.max_memory_allocated(device) / 2**20:8.0f}" if device.type == "cuda" else "     n/a"


def step_table(model, data: TensorSet, device: torch.device, precisions: list[str | None], repeats: int) -> None:
    optimizer = torch.optim.SGD(model.trainable_parameters(), lr=0.0)  # lr 0: every repeat does the same work
    cached = cache_features(model, data, batch_size=len(data))
    print(f"{'objective':<22} {'precision':<9} {'input':<8} {'images/s':>10} {'vs CE':>7} {'peak MB':>8}")
    for precision in precisions:
        reference = None
        for name, objective in objectives().items():
            inputs = [("images", model, data)] + ([("features", model.suffix, cached)] if not objective.needs_input else [])
            for label, net, batch in inputs:
                if device.type == "cuda":
                    torch.cuda.reset_peak_memory_stats(device)
                seconds = median_seconds(lambda: run_epoch(net, model.cam_layer, batch, objective, len(batch), optimizer, amp=precision), repeats)
                reference = seconds if (name, label) == ("cross_entropy", "images") else reference
                rate = len(batch) / seconds
                print(f"{name:<22} {precision or 'fp32':<9} {label:<8} {rate:10.0f} {seconds / reference:6.1f}x {peak_memory_mb(device)}")


def plain_gradcam(model, x: torch.Tensor) -> torch.Tensor:
    """The reference: a forward hook, one ``autograd.grad``, ReLU of the weighted sum."""
    stored = {}
    handle = model.cam_layer.register_forward_hook(lambda m, i, o: stored.setdefault("a", o))
    try:
        logits = model(x)
    finally:
        handle.remove()
    target = logits.argmax(1)
    (grads,) = torch.autograd.grad(logits.gather(1, target[:, None]).sum(), stored["a"])
    return torch.relu((grads.mean(dim=(2, 3), keepdim=True) * stored["a"]).sum(1)).detach()


def posthoc_table(model, x: torch.Tensor, repeats: int) -> None:
    target = model(x).argmax(1)
    captum = LayerGradCam(model, model.cam_layer)
    timings = {
        "plain torch (reference)": median_seconds(lambda: plain_gradcam(model, x), repeats),
        "trustcnn gradcam": median_seconds(lambda: get_method("gradcam")(model, model.cam_layer, x), repeats),
        "captum LayerGradCam": median_seconds(lambda: captum.attribute(x, target=target), repeats),
    }
    reference = timings["plain torch (reference)"]
    print(f"\n{'post-hoc Grad-CAM':<26} {'images/s':>10} {'vs plain':>9}")
    for name, seconds in timings.items():
        print(f"{name:<26} {len(x) / seconds:10.0f} {reference / seconds:8.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small_cnn at 32², batch 8: runs anywhere in seconds")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name, size, batch, repeats = ("small_cnn", 32, 8, 2) if args.smoke else ("mobilenet_v2", 224, 64, 5)
    torch.manual_seed(0)
    config = ModelConfig(name=name, backbone_weights="none", **({"width": 4, "new_channels": 8} if args.smoke else {}))
    model = build_model(config, 10, [0.5] * 3, [0.25] * 3).to(device)
    model.set_trainable("trust_layer")
    masks = torch.zeros(batch, size, size, device=device)
    masks[:, size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1
    data = TensorSet(torch.rand(batch, 3, size, size, device=device), torch.arange(batch, device=device) % 10, masks)
    precisions = [None, "bfloat16"] + (["float16"] if device.type == "cuda" else [])
    print(f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'}: {name} {size}², batch {batch}, median of {repeats}\n")
    step_table(model, data, device, precisions, repeats)
    posthoc_table(model.eval(), data.x, repeats)


if __name__ == "__main__":
    main()
