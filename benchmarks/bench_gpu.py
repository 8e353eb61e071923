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

from trustcnn.batches import SplitData
from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.models import build_model
from trustcnn.parameters import with_seeds, with_trust_defaults
from trustcnn.saliency import get_method
from trustcnn.training import CrossEntropyObjective, cache_features, run_epoch, trust_objective

VARIANTS = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_trust.yml"


def objectives(only: list[str] | None = None) -> dict[str, object]:
    """Cross entropy and every default trust variant (``only``: those names; CE always)."""
    conf = with_seeds(with_trust_defaults(yaml.safe_load(VARIANTS.read_text())))
    unknown = set(only or []) - {"cross_entropy", *conf["trust_variants"]}
    if unknown:
        raise SystemExit(f"--only: unknown objective(s) {sorted(unknown)}; choose from {conf['trust_variants']}")
    found = {"cross_entropy": CrossEntropyObjective()}
    for name in conf["trust_variants"]:
        if only is None or name in only:
            found[name] = trust_objective(TrustConfig(**{**conf[name]["trust"], "grid": None}))
    return found


def peak_memory_mb(device: torch.device) -> str:
    return f"{torch.cuda.max_memory_allocated(device) / 2**20:8.0f}" if device.type == "cuda" else "     n/a"


def step_table(model, data: SplitData, device: torch.device, precisions: list[str | None], repeats: int, only: list[str] | None) -> None:
    optimizer = torch.optim.SGD(model.trainable_parameters(), lr=0.0)  # lr 0: every repeat does the same work
    cached = cache_features(model, data, batch_size=len(data))
    print(f"{'objective':<22} {'precision':<9} {'input':<8} {'images/s':>10} {'vs CE':>7} {'peak MB':>8}")
    for precision in precisions:
        reference = None
        for name, objective in objectives(only).items():
            inputs = [("images", model, data)] + ([("features", model.suffix, cached)] if not objective.needs_input else [])
            for label, net, batch in inputs:
                if device.type == "cuda":
                    torch.cuda.reset_peak_memory_stats(device)
                seconds = median_seconds(
                    lambda net=net, batch=batch, objective=objective, precision=precision: run_epoch(
                        net, model.cam_layer, batch, objective, len(batch), optimizer, amp=precision
                    ),
                    repeats,
                )
                reference = seconds if (name, label) == ("cross_entropy", "images") else reference
                rate = len(batch) / seconds
                print(f"{name:<22} {precision or 'fp32':<9} {label:<8} {rate:10.0f} {seconds / reference:6.2f}x {peak_memory_mb(device)}")


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


def profile_steps(model, data: SplitData, only: list[str] | None, folder: Path) -> None:
    """One training step of each objective under ``torch.profiler``: a Chrome trace per
    objective in ``folder`` (open in https://ui.perfetto.dev) and the top operators printed."""
    from torch.profiler import ProfilerActivity, profile

    optimizer = torch.optim.SGD(model.trainable_parameters(), lr=0.0)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
    sort = "cuda_time_total" if torch.cuda.is_available() else "cpu_time_total"
    folder.mkdir(parents=True, exist_ok=True)
    for name, objective in objectives(only).items():
        run_epoch(model, model.cam_layer, data, objective, len(data), optimizer)  # warm-up
        with profile(activities=activities) as prof:
            run_epoch(model, model.cam_layer, data, objective, len(data), optimizer)
        prof.export_chrome_trace(str(folder / f"{name}.json"))
        print(f"\n== {name}: top operators by {sort} (trace: {folder / (name + '.json')})")
        print(prof.key_averages().table(sort_by=sort, row_limit=8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small_cnn at 32², batch 8: runs anywhere in seconds")
    parser.add_argument("--batch", type=int, help="batch size (default 64; the CPU criterion uses 16)")
    parser.add_argument("--repeats", type=int, help="timed repeats per cell (median reported)")
    parser.add_argument("--only", nargs="+", metavar="OBJECTIVE", help="these trust variants only (cross_entropy always runs)")
    parser.add_argument("--fp32-only", action="store_true", help="skip the mixed-precision rows")
    parser.add_argument("--no-posthoc", action="store_true", help="skip the post-hoc Grad-CAM table")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="also profile one step per objective into DIR")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name, size, batch, repeats = ("small_cnn", 32, 8, 2) if args.smoke else ("mobilenet_v2", 224, 64, 5)
    batch, repeats = args.batch or batch, args.repeats or repeats
    torch.manual_seed(0)
    config = ModelConfig(name=name, backbone_weights="none", **({"width": 4, "new_channels": 8} if args.smoke else {}))
    model = build_model(config, 10, [0.5] * 3, [0.25] * 3).to(device)
    model.set_trainable("trust_layer")
    masks = torch.zeros(batch, size, size, device=device)
    masks[:, size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1
    data = SplitData(torch.rand(batch, 3, size, size, device=device), torch.arange(batch, device=device) % 10, masks)
    precisions = [None] if args.fp32_only else [None, "bfloat16"] + (["float16"] if device.type == "cuda" else [])
    print(f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'}: {name} {size}², batch {batch}, median of {repeats}\n")
    step_table(model, data, device, precisions, repeats, args.only)
    if args.profile:
        profile_steps(model, data, args.only, args.profile)
    if not args.no_posthoc:
        posthoc_table(model.eval(), data.x, repeats)


if __name__ == "__main__":
    main()
