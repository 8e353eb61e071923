"""What an attack does to a model: accuracy, how far its maps move, and whether the error
detectors flag the adversarial images."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from trustcnn.config import ErrorDetectionConfig, RobustnessConfig
from trustcnn.data import ImageSet
from trustcnn.detection import Features, auroc, prediction_features, score
from trustcnn.detection.performance import bootstrap_score
from trustcnn.metrics import energy_in_mask, mean_ci, ssim_per_image
from trustcnn.models import SplitNet
from trustcnn.robustness.attacks import fgsm, pgd
from trustcnn.saliency import get_method, upsample_array
from trustcnn.training import SplitData, batches, to_tensors


def _batched(function, x: Tensor, batch_size: int, device: torch.device) -> Tensor:
    return torch.cat([function(x[i : i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)])


def attacked(model: SplitNet, test: ImageSet, attack: str, eps_255: float, config: RobustnessConfig, generator: torch.Generator) -> Tensor:
    """``test`` under FGSM or PGD at ε = ``eps_255``/255, in batches: ``[N, 3, H, W]`` in [0, 1]."""
    device = next(model.parameters()).device
    eps, chunks = eps_255 / 255.0, []
    for batch in batches(SplitData.of(test), config.batch_size, shard=False):
        x, y = batch.x.to(device), batch.y.to(device)
        if attack == "fgsm":
            chunks.append(fgsm(model, x, y, eps).cpu())
        else:
            chunks.append(pgd(model, x, y, eps, config.pgd_steps, config.pgd_step_fraction * eps, generator).cpu())
    return torch.cat(chunks)


def adversarial_examples(model: SplitNet, test: ImageSet, config: RobustnessConfig) -> dict[str, Tensor]:
    """``{"fgsm_eps2": x, "pgd_eps8": x, …}`` (ε in 1/255 steps), each ``[N, 3, H, W]`` in [0, 1]."""
    generator = torch.Generator().manual_seed(config.seed)
    return {
        f"{attack}_eps{eps_255:g}": attacked(model, test, attack, eps_255, config, generator)
        for attack, epsilons in (("fgsm", config.fgsm_eps_255), ("pgd", config.pgd_eps_255))
        for eps_255 in epsilons
    }


def adversarial_image_set(model: SplitNet, test: ImageSet, config: RobustnessConfig) -> ImageSet:
    """``test`` under the strongest PGD, as a person sees it: rounded to 8-bit pixels (within
    half a grey level of the ε-ball), with its labels, masks and decoys."""
    x = attacked(model, test, "pgd", max(config.pgd_eps_255), config, torch.Generator().manual_seed(config.seed))
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
    report = {}
    for name, scores in scored.test.items():
        if scores is None:
            report[name] = {"note": scored.note or "not fitted"}
            continue
        both = np.concatenate([scores[negatives], scored.aligned[0][name][positives]])
        report[name] = {"auroc": bootstrap_score(auroc, labels, both, kwargs["n_resamples"], kwargs["seed"])}
    return report


def attack_report(
    model: SplitNet, test: ImageSet, examples: dict[str, Tensor], method: str, batch_size: int, **kwargs
) -> dict[str, dict]:
    """Per attack: accuracy under attack, SSIM between ``method``'s maps of the clean and the
    adversarial image, and the energy in mask of both (with masks); 95% CIs."""
    device = next(model.parameters()).device
    size = test.images.shape[1:3]
    attribute = get_method(method)

    def maps(x: Tensor) -> np.ndarray:
        return upsample_array(_batched(lambda b: attribute(model, model.cam_layer, b), x, batch_size, device).numpy(), size)

    clean = maps(to_tensors(test).x)
    report = {}
    for name, x in examples.items():
        with torch.no_grad():
            predicted = _batched(lambda b: model(b).argmax(1), x, batch_size, device).numpy()
        adversarial = maps(x)
        row = {
            "accuracy": mean_ci((predicted == test.labels).astype(float), **kwargs),
            "ssim_clean_vs_adversarial": mean_ci(ssim_per_image(clean, adversarial), **kwargs),
        }
        if test.masks is not None:
            row["energy_in_mask_clean"] = mean_ci(energy_in_mask(clean, test.masks), **kwargs)
            row["energy_in_mask_adversarial"] = mean_ci(energy_in_mask(adversarial, test.masks), **kwargs)
        report[name] = row
    return report


def robustness(
    model: SplitNet, test: ImageSet, val: Features, clean: Features, config: RobustnessConfig,
    detection: ErrorDetectionConfig, method: str, **kwargs,
) -> dict[str, dict]:
    """:func:`attack_report` for every attack, plus, on the strongest PGD, :func:`flagging`."""
    examples = adversarial_examples(model, test, config)
    report = attack_report(model, test, examples, method, config.batch_size, **kwargs)
    strongest = strongest_pgd(config)
    adversarial = prediction_features(model, examples[strongest], test.labels, detection)
    report[strongest]["detector_auroc"] = flagging(val, clean, adversarial, detection, **kwargs)
    return report
