"""One top-level ``seed``: every seeded part takes it unless it sets its own; ``seed: 0`` seeds
every part with 0, as the per-part ``seed: 0`` of earlier versions did."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest

from trustcnn.parameters import SEEDED, with_seeds
from trustcnn.runtime.errors import ParameterError
from trustcnn.settings import CONFIG_LOADER_ARGS, ConfigLoader

PROJECT = Path(__file__).resolve().parents[1]


def loader(env: str | None = None, **runtime: object) -> ConfigLoader:
    return ConfigLoader(str(PROJECT / "conf"), env=env, runtime_params=runtime, **CONFIG_LOADER_ARGS)


def part_seeds(params: dict) -> dict[str, int]:
    seeds = {name: block["seed"] for name, block in params.items() if isinstance(block, dict) and "seed" in block}
    variants = [*params["trust_variants"], *(params.get("human_mask_variants") or [])]
    seeds |= {f"{v}.trust": params[v]["trust"]["seed"] for v in variants}
    return seeds


def test_seed_zero_seeds_every_part_with_zero() -> None:
    params = loader()["parameters"]
    seeds = part_seeds(params)
    variants = len(params["trust_variants"]) + len(params["human_mask_variants"])
    assert set(SEEDED) <= set(seeds) and len(seeds) == len(SEEDED) + variants
    assert set(seeds.values()) == {0}


def test_one_seed_on_the_command_line_reaches_every_part_and_an_own_seed_overrides_only_that_part() -> None:
    seeds = part_seeds(loader(seed=3, data={"seed": 7}, rrr={"trust": {"seed": 5}})["parameters"])
    assert seeds.pop("data") == 7 and seeds.pop("rrr.trust") == 5
    assert set(seeds.values()) == {3}


def test_a_part_without_a_seed_key_takes_the_top_level_one() -> None:
    params = with_seeds({"seed": 2, "baseline": {"lr": 0.1}, "trust_variants": ["v"], "v": {"trust": {}}, "other": {"x": 1}})
    assert params["baseline"] == {"lr": 0.1, "seed": 2} and params["v"]["trust"] == {"seed": 2}
    assert params["other"] == {"x": 1}, "a block that is not a seeded part is left alone"


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_a_seed_that_is_no_whole_number_from_zero_is_refused_naming_it(seed: object) -> None:
    with pytest.raises(ParameterError, match="Parameter 'seed' must be a whole number ≥ 0"):
        with_seeds({"seed": seed})


def test_every_node_parameter_with_a_seed_is_a_seeded_part() -> None:
    """A new parameter block with a ``seed`` must join :data:`SEEDED`, or ``--params=seed=N``
    would leave it at its default."""
    from trustcnn.pipeline_registry import register_pipelines

    params = loader()["parameters"]
    variants = [*params["trust_variants"], *params["human_mask_variants"]]
    seen = set()
    for node in register_pipelines()["replicate"].nodes:
        func = node.func
        while hasattr(func, "__wrapped__"):
            func = func.__wrapped__
        hints = typing.get_type_hints(func)
        given = node._inputs if isinstance(node._inputs, dict) else dict(zip(inspect.signature(func).parameters, node.inputs))
        for argument, dataset in given.items():
            hint = hints.get(argument)
            if dataset.startswith("params:") and "seed" in getattr(hint, "model_fields", {}):
                block = dataset.removeprefix("params:")
                seen.add(block)
                assert block in SEEDED or (block.endswith(".trust") and block.split(".")[0] in variants), (node.name, block)
    assert set(SEEDED) - {"trust_defaults"} <= seen and {f"{v}.trust" for v in variants} <= seen


def test_a_replicate_writes_under_its_seed_and_tracks_into_the_replicates_experiment() -> None:
    replicate = loader(env="smoke", seed=4, replicate={"active": True})
    replicate.config_patterns["mlflow"] = ["mlflow*", "mlflow*/**"]
    assert replicate["globals"]["data_root"] == "data/envs/smoke/replicates/seed_4"
    tracking = replicate["mlflow"]["tracking"]
    assert tracking["experiment"]["name"] == "trustcnn-smoke-replicates" and tracking["run"]["name"] == "seed_4"
    plain = loader(env="smoke", seed=4)
    plain.config_patterns["mlflow"] = ["mlflow*", "mlflow*/**"]
    assert plain["globals"]["data_root"] == "data/envs/smoke"
    assert plain["mlflow"]["tracking"]["experiment"]["name"] == "trustcnn-smoke"


def test_an_annotation_grid_that_does_not_divide_the_images_stops_before_work() -> None:
    from trustcnn.config import AnnotationConfig, DataConfig
    from trustcnn.parameters import check_annotation_grid

    check_annotation_grid({"data": {"image_size": 28}, "annotation": {"grid": 7}})
    check_annotation_grid({"data": DataConfig(image_size=28), "annotation": AnnotationConfig(grid=7)})  # as Kedro validated them
    check_annotation_grid({"data": {"image_size": 32}})  # no annotation block: nothing to check
    with pytest.raises(ParameterError) as error:
        check_annotation_grid({"data": DataConfig(image_size=28), "annotation": {"grid": 8}})
    assert str(error.value) == "annotation.grid = 8: must divide data.image_size = 28 into equal cells; choose one of [2, 4, 7, 14, 28]"
