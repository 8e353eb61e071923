"""Fine-tuning epoch cost: frozen-feature cache vs none, and trust step vs CE step.

A benchmark, not a test: ``.venv/bin/python benchmarks/bench_training_steps.py``. Both
sides of each ratio run in this process, on the same data and model, alternating, and the
median of several repeats is reported.
"""

from __future__ import annotations

import torch
from timing import median_seconds

from trustcnn.batches import SplitData, channel_stats
from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.data import make_digits
from trustcnn.models import build_model
from trustcnn.training import CrossEntropyObjective, cache_features, run_epoch, trust_objective

REPEATS = 5


def main() -> None:
    torch.manual_seed(0)
    splits = make_digits(classes=[0, 1, 2, 3, 4], seed=0)
    train = SplitData.of(splits["train"])
    model = build_model(ModelConfig(), 5, *channel_stats(splits["train"]))
    model.set_trainable("trust_layer")
    optimizer = torch.optim.SGD(model.trainable_parameters(), lr=0.0)  # lr 0: every repeat does the same work
    trust, ce = trust_objective(TrustConfig()), CrossEntropyObjective()

    def epoch(net, data, objective):
        return lambda: run_epoch(net, model.cam_layer, data, objective, 64, optimizer)

    cached = cache_features(model, train)
    cache_cost = median_seconds(lambda: cache_features(model, train), REPEATS)
    plain_trust = median_seconds(epoch(model, train, trust), REPEATS)
    cached_trust = median_seconds(epoch(model.suffix, cached, trust), REPEATS)
    plain_ce = median_seconds(epoch(model, train, ce), REPEATS)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {len(train)} images, median of {REPEATS}")
    print(f"trust epoch, images          : {plain_trust * 1e3:8.1f} ms")
    print(f"trust epoch, cached features : {cached_trust * 1e3:8.1f} ms  -> {plain_trust / cached_trust:.1f}x faster")
    print(f"feature cache, built once    : {cache_cost * 1e3:8.1f} ms")
    print(f"CE epoch, images             : {plain_ce * 1e3:8.1f} ms  -> trust/CE step ratio {plain_trust / plain_ce:.2f}")


if __name__ == "__main__":
    main()
