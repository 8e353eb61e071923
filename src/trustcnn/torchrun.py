"""One training or saliency stage on stored splits, in one process or under ``torchrun``.

    python -m trustcnn.torchrun baseline --data DIR --backbone FILE.pt --params FILE.yml --out DIR
    torchrun --nproc_per_node=N -m trustcnn.torchrun baseline ...     # the same, N processes (DDP)

It sits above the library: it reads and
writes the catalog's files and joins training with post-hoc saliency, which the ``training``
package itself never imports.

``DIR`` holds the splits as the ingestion stage writes them (``train.npz``, ``val.npz``,
``test.npz``); ``--params`` is a parameters file with the blocks the stage reads (``model``
and ``baseline``; ``trust``; ``saliency``), as in ``conf/base``; a block without a ``seed`` takes the
file's top-level ``seed`` (default 0), as in a Kedro run. Stages: ``baseline`` (cross
entropy on a backbone checkpoint), ``trust`` (one variant from ``--baseline``'s checkpoint)
and ``saliency`` (post-hoc maps and predictions of ``--model`` on the test split). Only
rank 0 writes ``--out``; no MLflow run is opened here (that is the Kedro pipelines' job).
The outputs record what they were made from as the pipelines' outputs do (docs/lineage.md),
under the catalog's names (``--model data/06_models/rrr/model.pt`` is ``rrr.model``), so they
can take the place of the pipelines' outputs.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import yaml

from trustcnn.batches import default_device, distributed
from trustcnn.config import BaselineConfig, ModelConfig, SaliencyConfig, TrustConfig
from trustcnn.lineage import Record, check, record_of
from trustcnn.models import from_checkpoint, to_checkpoint
from trustcnn.parameters import with_seeds
from trustcnn.posthoc import posthoc
from trustcnn.runtime.errors import reported
from trustcnn.storage import ImageSetDataset, JSONDataset, MappedNpzDataset, TorchDataset
from trustcnn.storage.files import LineageFile
from trustcnn.training.transfer import model_on_backbone, train_baseline, train_trust, trust_start_model


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trustcnn.torchrun", description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", choices=["baseline", "trust", "saliency"])
    parser.add_argument("--data", type=Path, required=True, help="folder with train.npz, val.npz, test.npz")
    parser.add_argument("--params", type=Path, required=True, help="YAML with the stage's parameter blocks")
    parser.add_argument("--out", type=Path, required=True, help="where rank 0 writes the results")
    parser.add_argument("--backbone", type=Path, help="backbone checkpoint (baseline, trust)")
    parser.add_argument("--baseline", type=Path, help="baseline model checkpoint (trust)")
    parser.add_argument("--model", type=Path, help="model checkpoint (saliency)")
    return parser.parse_args()


def _load(path: Path | None, flag: str, stage: str) -> dict[str, Any]:
    if path is None:
        raise SystemExit(f"{stage} needs {flag}")
    return TorchDataset(str(path)).load()


def _model_name(path: Path) -> str:
    """The catalog's name of the model in ``path`` (``data/06_models/<name>/model.pt``)."""
    return f"{path.parent.name}.model" if path.name == "model.pt" else path.stem


def _lineage(inputs: dict[str, LineageFile]) -> Record:
    """What the outputs record: the inputs' records, which must agree, and versions. An input
    that records nothing (e.g. a backbone from elsewhere) adds its own version only."""
    artefacts = [dataclasses.replace(a, record=a.record or {}) for a in (d.artefact(name) for name, d in inputs.items())]
    check(artefacts, lambda names: f"the stages that write {', '.join(names)}")
    return record_of(artefacts)


def main() -> None:
    args = _arguments()
    params = with_seeds(yaml.safe_load(args.params.read_text(encoding="utf-8")) or {}, blocks=("baseline", "trust", "saliency"))
    split = {name: ImageSetDataset(str(args.data / f"{name}.npz")) for name in ("train", "val", "test")}
    distributed.init_from_env()
    outputs: dict[str, Any] = {}
    if args.stage == "saliency":
        checkpoint = _load(args.model, "--model", args.stage)
        record = _lineage({"test_set": split["test"], _model_name(args.model): TorchDataset(str(args.model))})
        model = from_checkpoint(checkpoint).to(default_device())
        maps, predictions = posthoc(model, split["test"].load(), SaliencyConfig(**params.get("saliency", {})))
        outputs = {"maps.npz": maps, "predictions.npz": predictions}
    else:
        train, val = split["train"].load(), split["val"].load()
        backbone = _load(args.backbone, "--backbone", args.stage)
        inputs: dict[str, LineageFile] = {
            "train_set": split["train"],
            "val_set": split["val"],
            "source_backbone": TorchDataset(str(args.backbone)),
        }
        if args.stage == "baseline":
            record = _lineage(inputs)
            config, optim = ModelConfig(**params.get("model", {})), BaselineConfig(**params.get("baseline", {}))
            model = model_on_backbone(backbone, config, train.num_classes, optim.seed)
            history = train_baseline(model, train, val, optim)
        else:
            baseline = _load(args.baseline, "--baseline", args.stage)
            record = _lineage({**inputs, "baseline.model": TorchDataset(str(args.baseline))})
            trust = TrustConfig(**params.get("trust", {}))
            model, history = train_trust(trust_start_model(trust, baseline, backbone), train, val, trust, "trust")
            config = ModelConfig(**baseline["model_config"])
        outputs = {"model.pt": to_checkpoint(model, config, train.class_names), "history.json": history}
    if distributed.is_main():
        # maps load mapped, as the pipeline's do
        writers: dict[str, type[TorchDataset | JSONDataset | MappedNpzDataset]] = {
            ".pt": TorchDataset,
            ".json": JSONDataset,
            ".npz": MappedNpzDataset,
        }
        for name, value in outputs.items():
            writer = writers[Path(name).suffix](str(args.out / name))
            writer.set_lineage(record)
            writer.save(value)
    distributed.finish()


if __name__ == "__main__":
    with reported():
        main()
