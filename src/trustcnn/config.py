"""Typed parameters: the schemas only. Node parameters annotated with these models are validated
before any node runs (:func:`trustcnn.parameters.invalid_parameters`, then Kedro 1.x itself), so a bad value stops
``kedro run`` with one line per bad key naming it: ``baseline.lr = -0.1: must be greater than 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from trustcnn.runtime.checkpoints import check_state_dict


def _registered(registry: str, lookup: str) -> Callable[[str], str]:
    """A validator: ``name`` as the registry module ``registry`` knows it (``lookup(name).name``).
    The registry lives with what it registers (above this module) and is imported when a value
    is validated, so a stage whose parameters name no such thing never loads it (ingestion
    needs no saliency code)."""

    def check(name: str) -> str:
        return getattr(import_module(registry), lookup)(name).name

    return check


SOURCES = "trustcnn.data.sources"
SourceName = Annotated[str, AfterValidator(_registered(SOURCES, "get_source"))]
"""A registered data source (:mod:`trustcnn.data.sources`)."""
MethodName = Annotated[str, AfterValidator(_registered("trustcnn.saliency.registry", "get_method"))]
"""A registered saliency method (:mod:`trustcnn.saliency.registry`)."""
TrainableMethodName = Annotated[str, AfterValidator(_registered("trustcnn.saliency.registry", "trainable_method"))]
"""A registered method a loss can train through (occlusion has no gradient)."""
AmpDtype = Literal["bfloat16", "float16"]
"""The half precision of mixed-precision training."""
Trainable = Literal["trust_layer", "trust_layer+head", "all"]
"""Which parts of a :class:`~trustcnn.models.SplitNet` train: the paper's one conv layer,
that layer and the head, or the whole network end to end (backbone included)."""


class _Config(BaseModel):
    # No unknown keys, and no inf/NaN in any float (an infinite learning rate would train a NaN model).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DecoyConfig(_Config):
    """A small class-coloured patch in train/val (random colour in test).

    ``probability`` is the share of target images that carry one; ``source_probability`` the
    share of *source-task* training images that carry one in their source class's colour, so
    the pretrained backbone has colour-patch features a classifier on top can take as a
    shortcut (0: the backbone never saw a decoy, and then the baseline ignores it).
    """

    enabled: bool = True
    size: int = Field(5, ge=1)
    probability: float = Field(1.0, ge=0.0, le=1.0)
    source_probability: float = Field(0.5, ge=0.0, le=1.0)


class DataConfig(_Config):
    """Which source (one registered in :mod:`trustcnn.data.sources`), and how it becomes
    train/val/test (+ the source task).

    ``digits`` and ``fashion_mnist`` are composited onto textures (masks, decoy, source
    task); ``oxford_pets`` is cats vs dogs with trimap masks; ``image_folder`` reads
    ``root/<class>/<image>`` (masks from ``masks_root``); ``imagenet_subset`` is such a folder
    of ImageNet classes labelled with their 1000-class indices; ``decoy_fashion`` is Ross et
    al.'s Decoy MNIST construction on Fashion-MNIST (a shaded corner swatch).
    """

    source: SourceName = "digits"
    root: str | None = None  # fashion_mnist: *-ubyte.gz folder; oxford_pets: torchvision root
    # (default raw_dir); image_folder: the <class>/<image> folder
    masks_root: str | None = None  # image_folder: masks_root/<class>/<stem>.png
    raw_dir: str = "data/01_raw"  # where downloads / decompressed raw files are cached
    allow_download: bool = False
    max_per_class: int | None = Field(None, ge=1)
    classes: list[int] | None = Field(None, min_length=2)  # a classifier needs two classes at least
    image_size: int = Field(32, ge=16)
    val_fraction: float = Field(0.15, gt=0.0, lt=1.0)
    test_fraction: float = Field(0.25, gt=0.0, lt=1.0)
    seed: int = Field(0, ge=0)
    decoy: DecoyConfig = DecoyConfig()
    source_copies: int = Field(4, ge=1)
    source_classes: list[int] | None = Field(None, min_length=2)
    preview_count: int = Field(16, ge=1)
    memory_budget_mb: float = Field(256, gt=0)  # the splits (and an image folder's photos) together above this go to temporary files

    @field_validator("classes", "source_classes")
    @classmethod
    def _distinct(cls, classes: list[int] | None) -> list[int] | None:
        if classes is not None and len(set(classes)) != len(classes):
            raise ValueError(f"the classes must be distinct, got {classes}")
        return classes

    @model_validator(mode="after")
    def _image_folder_needs_a_root(self) -> DataConfig:
        if self.root is None and import_module(SOURCES).get_source(self.source).needs_root:
            raise ValueError(f"source {self.source} needs root: the folder holding <class>/<image> files")
        return self


class ModelConfig(_Config):
    """The network and where its backbone weights come from.

    ``small_cnn`` and ``mobilenet_v2`` use the transfer construction (paper §4.1: one new
    conv layer with ``new_channels`` filters of ``kernel_size`` after the frozen backbone);
    ``vgg16`` trains only ``features.28`` (§4.2). ``backbone_weights``: ``source``
    (pretrain on the source task), ``imagenet`` (torchvision weights, from torch's cache
    unless ``allow_download``), ``none`` (random), or a path to a local state-dict file.
    """

    name: Literal["small_cnn", "mobilenet_v2", "vgg16"] = "small_cnn"
    width: int = Field(16, ge=1)
    backbone_weights: str = "source"
    allow_download: bool = False
    new_channels: int = Field(64, ge=1)
    kernel_size: int = Field(3, ge=1)

    @field_validator("backbone_weights")
    @classmethod
    def _known_weights(cls, value: str) -> str:
        if value in ("source", "imagenet", "none"):
            return value
        if not Path(value).is_file():
            raise ValueError(f"must be source, imagenet, none or an existing state-dict file; {value!r} is none of these")
        check_state_dict(Path(value))
        return value

    @model_validator(mode="after")
    def _imagenet_needs_a_torchvision_model(self) -> ModelConfig:
        if self.backbone_weights == "imagenet" and self.name == "small_cnn":
            raise ValueError("backbone_weights=imagenet needs name mobilenet_v2 or vgg16; small_cnn has no ImageNet weights")
        return self


class OptimConfig(_Config):
    """Optimiser and schedule shared by every training stage (``momentum`` is SGD's)."""

    optimizer: Literal["sgd", "adam"] = "sgd"
    epochs: int = Field(10, ge=1)
    lr: float = Field(0.05, gt=0.0)
    momentum: float = Field(0.9, ge=0.0, lt=1.0)
    weight_decay: float = Field(0.0, ge=0.0)
    batch_size: int = Field(64, ge=1)
    seed: int = Field(0, ge=0)
    amp: bool = False  # mixed precision: autocast in `amp_precision` (on the CPU too, where it is slow)
    amp_precision: AmpDtype = "bfloat16"  # fp32's range, so no gradient scaler; float16 uses one
    workers: int = Field(0, ge=0)  # DataLoader processes reading batches ahead (0: in this process)
    memory_budget_mb: float = Field(256, gt=0)  # cached features above this go to a file (memory-mapped)

    @property
    def amp_dtype(self) -> AmpDtype | None:
        return self.amp_precision if self.amp else None


class BaselineConfig(OptimConfig):
    """The cross-entropy baseline (and the no-decoy reference, trained the same way).

    ``feature_cache`` runs the frozen backbone once per image (ignored when it trains)."""

    trainable: Trainable = "trust_layer+head"
    feature_cache: bool = True


class GridConfig(_Config):
    """Learning rate × λ grid (paper §4.2); the point with the best validation score wins."""

    lr: list[Annotated[float, Field(gt=0.0)]] = Field(min_length=1)
    lam: list[Annotated[float, Field(ge=0.0, le=1.0)]] = Field(min_length=1)
    select_by: Literal["val_accuracy", "val_loss_ce"] = "val_accuracy"


class LossWeights(_Config):
    """Eq. 7's λ, w5 and w6, and the weight of every extra loss term. A new term is one
    function registered with :func:`trustcnn.losses.loss_term` plus its weight field here."""

    lam: float = Field(0.5, ge=0.0, le=1.0)
    w_wrong: float = Field(1.0, ge=0.0)  # eq. 5
    w_right: float = Field(1.0, ge=0.0)  # eq. 6
    w_mask: float = Field(0.0, ge=0.0)  # eq. 8–10
    w_rrr: float = Field(0.0, ge=0.0)  # Ross et al. 2017
    w_rrr_gradcam: float = Field(0.0, ge=0.0)  # Schramowski et al. 2020


class TrustConfig(OptimConfig, LossWeights):
    """A trust variant: the loss weights, the saliency method used on the forward pass, what
    trains, and an optional grid.

    ``trainable`` says which parts train (the paper: ``trust_layer``; ``all`` is the end-to-end
    setting RRR was published in); ``start_from`` is ``baseline`` (fine-tune the trained
    baseline) or ``backbone`` (a fresh trust layer and head over the backbone the baseline
    started from: training from scratch with the penalty, as Ross et al. did).
    ``feature_cache`` is ignored where the method or a term needs the input, or the backbone trains.
    ``masks`` says which object masks the mask terms read: the data's (``data``) or those
    people marked (``human``: the ``human_masks`` dataset; an image nobody marked trains on
    the rest of the loss alone, and the validation split has none).
    """

    trainable: Trainable = "trust_layer"
    start_from: Literal["baseline", "backbone"] = "baseline"
    saliency_method: TrainableMethodName = "gradcam"
    feature_cache: bool = True
    grid: GridConfig | None = None
    masks: Literal["data", "human"] = "data"

    @model_validator(mode="after")
    def _fresh_head_must_train(self) -> TrustConfig:
        if self.start_from == "backbone" and self.trainable == "trust_layer":
            raise ValueError("start_from=backbone gives a fresh, random head: trainable must be trust_layer+head or all")
        return self


class SimulatedAnnotatorConfig(_Config):
    """A simulated person (:mod:`trustcnn.data.simulated_marks`) who marks ``budget`` training
    images (``None``: all; sampled with ``seed``) from the data's masks: ``kind`` is what they
    are asked to mark, ``quality`` how well they mark it (a ``box`` in whole ``cell``-pixel cells)."""

    quality: Literal["exact", "box", "half", "wrong"] = "exact"
    kind: Literal["avoid", "object"] = "avoid"
    budget: int | None = Field(None, ge=0)
    seed: int = Field(0, ge=0)
    cell: int = Field(4, ge=1)


class HumanMasksConfig(_Config):
    """People's marks → object masks (:mod:`trustcnn.data.human_masks`): a pixel is marked when
    at least ``threshold`` of an image's annotators marked it. ``simulate`` stands a simulated
    annotator in for people while nobody has marked anything (the smoke environment); the
    report says whose marks were used."""

    threshold: float = Field(0.5, gt=0.0, le=1.0)
    simulate: SimulatedAnnotatorConfig | None = None


class SaliencyConfig(_Config):
    """``method`` makes the maps every comparison uses (Tables 1 and 3, SSIM, sanity
    check); each of ``extra_methods`` is stored beside them and scored for localisation and
    for its share on the decoy. ``seed`` also draws the swapped decoy view."""

    method: MethodName = "gradcam"
    extra_methods: list[MethodName] = ["guided_gradcam", "input_x_gradient"]
    batch_size: int = Field(128, ge=1)
    workers: int = Field(0, ge=0)  # DataLoader processes reading batches ahead (0: in this process)
    seed: int = Field(0, ge=0)  # for the sanity check's re-initialised layer
    memory_budget_mb: float = Field(256, gt=0)  # maps above this are gathered in a temporary file


class EvaluationConfig(_Config):
    n_resamples: int = Field(1000, ge=10, le=100_000)
    iou_threshold: float = Field(0.5, ge=0.0, le=1.0)
    accurate_energy: float = Field(0.35, gt=0.0, le=1.0)
    seed: int = Field(0, ge=0)
    overlay_count: int = Field(8, ge=1)
    case_examples: int = Field(2, ge=1)


class UserStudyConfig(_Config):
    """The user study's sample: ``n_images`` test images (the paper: 50), stratified over the
    compared models' automatic cases, each shown with every model's ``method`` map.
    ``models`` may name ``champion`` (the evaluation's pick); at most eight (maps A–H).
    ``adversarial_images`` more test images (seeded) are shown attacked by the strongest PGD of
    ``robustness`` against ``adversarial_against`` (a model, or ``champion``), with every
    compared model's map of the attacked image; they are analysed apart. With ``criticism``, a
    last block shows, per compared model (blinded) and class, the ``criticism`` stage's
    prototypes and criticisms with their ``method`` maps and asks what the model uses to
    recognise the class."""

    n_images: int = Field(50, ge=1)
    models: list[str] = Field(["baseline", "champion"], min_length=1, max_length=8)
    method: MethodName = "gradcam"
    seed: int = Field(0, ge=0)
    image_px: int = Field(192, ge=32, le=1024)
    n_resamples: int = Field(1000, ge=10, le=100_000)
    adversarial_images: int = Field(0, ge=0)
    adversarial_against: str = "baseline"
    criticism: bool = False  # a block more: each compared model's prototypes and criticisms per class, "what does it use?"


class AnnotationConfig(_Config):
    """Which training images people are asked to mark, and the task they see (docs/annotation.md).

    ``n_images`` training images, each class its proportional share, seeded by ``seed``,
    chosen by ``strategy`` from a stratified random ``pool`` of training images (``None``: all):
    ``random``; ``outside_mask`` — where ``model``'s ``method`` map puts the largest share of
    its mass outside the object (needs the data's masks); ``suspicious`` — where error
    detection's ``detector`` scores the prediction most likely wrong (the learnt detectors
    are fitted as ``error_detection.fit_on`` says, on the stored features). Each image is
    shown with ``model``'s map (the model is never named) under a ``grid`` × ``grid`` of
    cells that must divide the image; people mark what the model should not use
    (``kind: avoid``) or the object it should use (``object``)."""

    n_images: int = Field(50, ge=1)
    model: str = "baseline"
    method: MethodName = "gradcam"
    strategy: Literal["random", "outside_mask", "suspicious"] = "random"
    detector: Literal["max_softmax", "stability", "conductance", "combined"] = "combined"
    pool: int | None = Field(2000, ge=1)
    kind: Literal["avoid", "object"] = "avoid"
    grid: int = Field(8, ge=2, le=64)
    seed: int = Field(0, ge=0)
    image_px: int = Field(192, ge=32, le=1024)


class ErrorDetectionConfig(_Config):
    """Detectors of wrong predictions (Wu et al. 2019): per-unit conductance of the trainable
    layer along ``conductance_steps`` path points, and agreement under
    ``stability_samples`` Gaussian perturbations of its weights (``stability_sigma`` × each
    weight tensor's std). The learnt detectors are cross-fitted on the test split in ``folds``
    folds, or fitted on the validation split (``fit_on``). Reported at ``coverage`` (the
    share of predictions kept)."""

    conductance_steps: int = Field(8, ge=1, le=256)
    stability_samples: int = Field(50, ge=1, le=1000)
    stability_sigma: float = Field(3.0, gt=0.0)
    fit_on: Literal["test_crossfit", "val"] = "test_crossfit"
    folds: int = Field(5, ge=2, le=20)
    coverage: float = Field(0.9, gt=0.0, le=1.0)
    batch_size: int = Field(64, ge=1)
    seed: int = Field(0, ge=0)


class RobustnessConfig(_Config):
    """FGSM and PGD (L∞) at each ε, given in pixel steps of 1/255 (inputs lie in [0, 1]);
    PGD takes ``pgd_steps`` steps of ``pgd_step_fraction`` · ε from a random start (seeded).
    The error detectors are scored on the strongest PGD examples."""

    fgsm_eps_255: list[Annotated[float, Field(gt=0.0, le=255.0)]] = [2.0, 8.0]
    pgd_eps_255: list[Annotated[float, Field(gt=0.0, le=255.0)]] = Field([8.0], min_length=1)
    pgd_steps: int = Field(5, ge=1)
    pgd_step_fraction: float = Field(0.25, gt=0.0, le=1.0)
    batch_size: int = Field(64, ge=1)
    seed: int = Field(0, ge=0)
    memory_budget_mb: float = Field(256, gt=0)  # clean maps / adversarial images above this go to a temporary file


class BiasConfig(_Config):
    """The bias audit: for each of ``methods``' maps, per class, the share of saliency on the
    object, on the decoy and elsewhere; a class is flagged when its decoy share is at least
    ``flag_ratio`` times the decoy's share of the image (what a map spread evenly puts there)."""

    methods: list[MethodName] = ["gradcam", "input_x_gradient"]
    flag_ratio: float = Field(2.0, gt=0.0)


class CriticismConfig(_Config):
    """Model criticism (Stock & Cisse; MMD-critic of Kim, Khanna & Koyejo 2016): per class,
    ``prototypes`` test images that represent how the model sees the class and ``criticisms``
    that they represent worst, chosen in the model's penultimate features (the input of its
    last linear layer) with an RBF kernel ``exp(−γ‖x − y‖²)``. A class's images are those the
    model predicts as it (``group_by: prediction``) or those labelled so (``label``). ``kernel``: ``local`` (a kernel
    per class, the reference's default) or ``global`` (one over all classes, ``prototypes × K``
    chosen jointly); ``gamma``: ``None`` for 1 / the median squared distance between the
    kernel's points; ``regularizer``: ``logdet`` keeps the criticisms diverse. Each selected
    image is shown and scored with ``methods``' maps (read from the saliency stage where it
    stored them, else computed for those images only)."""

    prototypes: int = Field(8, ge=1)
    criticisms: int = Field(4, ge=0)
    group_by: Literal["prediction", "label"] = "prediction"
    kernel: Literal["local", "global"] = "local"
    gamma: float | None = Field(None, gt=0.0)
    regularizer: Literal["logdet", "none"] = "logdet"
    methods: list[MethodName] = Field(["gradcam", "input_x_gradient"], min_length=1)
    batch_size: int = Field(128, ge=1)
    memory_budget_mb: float = Field(256, gt=0)  # features above this go to a temporary file; kernel blocks at most this


class ReplicateConfig(_Config):
    """Replicates: the whole ``transfer`` experiment once per seed in ``seeds`` (``make replicate``,
    ``replicates/dvc.yaml``), each under ``<data_root>/replicates/seed_<N>``. ``active`` is set on
    the command line of one replicate's run, never in a file. ``headline`` lists the metrics.json
    estimates (paths, dots for nesting) that ``summary.md`` tabulates; ``summary.json`` has every
    estimate either way."""

    seeds: list[Annotated[int, Field(ge=0)]] = Field([0, 1, 2, 3, 4], min_length=1)
    active: bool = False
    headline: list[str] = Field(["accuracy", "decoy_flip_rate", "gap_closed"], min_length=1)

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"the seeds must be distinct, got {seeds}")
        return seeds
