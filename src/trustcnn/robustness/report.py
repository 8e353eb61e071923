"""What an attack does to a model: accuracy, how far its maps move, and whether the error
detectors flag the adversarial images."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor

from trustcnn.batches import SplitData, TensorSet, batches
from trustcnn.config import ErrorDetectionConfig, RobustnessConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import Features, auroc, prediction_features, score
from trustcnn.error_detection.performance import bootstrap_score
from trustcnn.metrics import energy_in_mask, mean_ci, ssim_per_image
from trustcnn.models import SplitNet
from trustcnn.posthoc import saliency_maps
from trustcnn.robustness.attacks import fgsm, pgd
from trustcnn.runtime.ondisk import Filler, allocate
from trustcnn.saliency import get_method, upsample_array


def attack_batches(
    model: SplitNet, data: SplitData, attack: str, eps_255: float, config: RobustnessConfig, generator: torch.Generator
) -> Iterator[tuple[TensorSet, Tensor]]:
    """``(batch, attacked images)`` for each batch of ``data`` in order, both on the model's
    device: FGSM or PGD at ε = ``eps_255``/255, PGD's random starts drawn from ``generator``."""
    device = next(model.parameters()).device
    eps = eps_255 / 255.0
    for batch in batches(data, config.batch_size, shard=False):
        batch = batch.to(device)
        if attack == "fgsm":
            yield batch, fgsm(model, batch.x, batch.y, eps)
        else:
            yield batch, pgd(model, batch.x, batch.y, eps, config.pgd_steps, config.pgd_step_fraction * eps, generator)


def attacked(
    model: SplitNet, test: ImageSet, attack: str, eps_255: float, config: RobustnessConfig, generator: torch.Generator
) -> np.ndarray:
    """``test`` under FGSM or PGD at ε = ``eps_255``/255, float32 ``[N, 3, H, W]`` in [0, 1]
    (a memory-mapped temporary file above ``config.memory_budget_mb``)."""
    filler = None
    for _, x in attack_batches(model, SplitData.of(test), attack, eps_255, config, generator):
        filler = filler or Filler(allocate((len(test), *x.shape[1:]), np.float32, config.memory_budget_mb))
        filler.add(x.cpu().numpy())
    assert filler is not None, "attacked() needs a test split with images"
    return filler.done()


def attacks(config: RobustnessConfig) -> list[tuple[str, str, float]]:
    """``(name, attack, ε in 1/255 steps)`` of every configured attack, in the order they run
    (their PGD random starts come from one seeded generator, in this order)."""
    return [
        (f"{attack}_eps{eps_255:g}", attack, eps_255)
        for attack, epsilons in (("fgsm", config.fgsm_eps_255), ("pgd", config.pgd_eps_255))
        for eps_255 in epsilons
    ]


def adversarial_image_set(model: SplitNet, test: ImageSet, config: RobustnessConfig) -> ImageSet:
    """``test`` under the strongest PGD, as a person sees it: rounded to 8-bit pixels (within
    half a grey level of the ε-ball), with its labels, masks and decoys."""
    x = torch.from_numpy(attacked(model, test, "pgd", max(config.pgd_eps_255), config, torch.Generator().manual_seed(config.seed)))
    return test.with_images((x.permute(0, 2, 3, 1) * 255).round().clamp(0, 255).to(torch.uint8).numpy())


def strongest_pgd(config: RobustnessConfig) -> str:
    return f"pgd_eps{max(config.pgd_eps_255):g}"


def flagging(val: Features, clean: Features, adversarial: Features, detection: ErrorDetectionConfig, **kwargs) -> dict[str, dict]:
    """Per detector, the AUROC of its score at telling adversarial images the model now gets
    wrong from clean images it gets right. ``adversarial`` holds the attacked copies of the
    ``clean`` test images, row for row, scored by the same detectors (:func:`score`)."""
    scored = score(val, clean, detection, adversarial)
    negatives, positives = ~clean.wrong.astype(bool), adversarial.wrong.astype(bool)
    labels = np.concatenate([np.zeros(negatives.sum(), bool), np.ones(positives.sum(), bool)])
    report: dict[str, dict] = {}
    for name, scores in scored.test.items():
        if scores is None:
            report[name] = {"note": scored.note or "not fitted"}
            continue
        attacked_scores = scored.aligned[0][name]
        assert attacked_scores is not None  # the detector that scored the clean images scored these too
        both = np.concatenate([scores[negatives], attacked_scores[positives]])
        report[name] = {"auroc": bootstrap_score(auroc, labels, both, kwargs["n_resamples"], kwargs["seed"])}
    return report


def _maps(model: SplitNet, method: str, x: Tensor, size: tuple[int, int]) -> np.ndarray:
    return upsample_array(get_method(method)(model, model.cam_layer, x).detach().cpu().numpy(), size)


def attack_report(model: SplitNet, test: ImageSet, config: RobustnessConfig, method: str, **kwargs) -> tuple[dict[str, dict], np.ndarray]:
    """Per attack: accuracy under attack, SSIM between ``method``'s maps of the clean and the
    adversarial image, and the energy in mask of both (with masks); 95% CIs. Also the
    strongest PGD's adversarial images (float32 ``[N, 3, H, W]``), which the detectors score.

    Streamed: each batch is attacked and scored at once, so only per-image values, the clean
    maps and the strongest PGD's images are kept (those two memory-mapped above
    ``config.memory_budget_mb``)."""
    size = test.images.shape[1:3]
    data = SplitData.of(test)
    clean = saliency_maps(model, data, method, config.batch_size, memory_budget_mb=config.memory_budget_mb)
    with_masks = test.masks is not None
    energy_clean: list[np.ndarray] = []
    generator = torch.Generator().manual_seed(config.seed)
    report: dict[str, dict] = {}
    kept: np.ndarray | None = None
    for name, attack, eps_255 in attacks(config):
        keep = Filler(allocate((len(test), 3, *size), np.float32, config.memory_budget_mb)) if name == strongest_pgd(config) else None
        correct, ssim, energy = [], [], []
        start = 0
        for batch, x in attack_batches(model, data, attack, eps_255, config, generator):
            with torch.no_grad():
                correct.append((model(x).argmax(1) == batch.y).cpu().numpy())
            adversarial = _maps(model, method, x, size)
            before = upsample_array(np.asarray(clean[start : start + len(batch)]), size)
            ssim.append(ssim_per_image(before, adversarial))
            if with_masks:
                assert batch.masks is not None  # the test split has masks
                masks = batch.masks.cpu().numpy()
                energy.append(energy_in_mask(adversarial, masks))
                if not report:  # the clean maps are the same for every attack: scored with the first
                    energy_clean.append(energy_in_mask(before, masks))
            if keep is not None:
                keep.add(x.cpu().numpy())
            start += len(batch)
        row = {
            "accuracy": mean_ci(np.concatenate(correct).astype(float), **kwargs),
            "ssim_clean_vs_adversarial": mean_ci(np.concatenate(ssim), **kwargs),
        }
        if with_masks:
            row["energy_in_mask_clean"] = mean_ci(np.concatenate(energy_clean), **kwargs)
            row["energy_in_mask_adversarial"] = mean_ci(np.concatenate(energy), **kwargs)
        report[name] = row
        kept = keep.done() if keep is not None else kept
    assert kept is not None  # attacks(config) includes strongest_pgd(config)
    return report, kept


def robustness(
    model: SplitNet,
    test: ImageSet,
    val: Features,
    clean: Features,
    config: RobustnessConfig,
    detection: ErrorDetectionConfig,
    method: str,
    **kwargs,
) -> dict[str, dict]:
    """:func:`attack_report` for every attack, plus, on the strongest PGD, :func:`flagging`."""
    report, strongest = attack_report(model, test, config, method, **kwargs)
    adversarial = prediction_features(model, SplitData(strongest, test.labels), test.labels, detection)
    report[strongest_pgd(config)]["detector_auroc"] = flagging(val, clean, adversarial, detection, **kwargs)
    return report
