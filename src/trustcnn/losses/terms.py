"""Loss terms as data: each extra term of the trust loss is one registered function plus one
weight field in :class:`~trustcnn.config.LossWeights`.

``@loss_term("loss_mask", weight="w_mask", uses=("maps", "masks"))`` registers a function
called with those inputs of the batch (``logits``, ``targets``, ``maps``, ``masks``,
``input_grads`` = ∂Σ log p/∂x); the term is added to the loss as ``weight · value`` whenever
its weight is > 0, logged as ``train_<name>`` / ``val_<name>``, and the training loop
provides masks or input gradients because the term says it uses them.

Every input is batch-first and every term a mean over the batch's images, so a term that
uses masks is computed on the images that have one when only some do
(:func:`over_masked`: people marked part of the training images).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor

INPUTS = ("logits", "targets", "maps", "masks", "input_grads")


@dataclass(frozen=True)
class LossTerm:
    name: str
    weight: str
    uses: tuple[str, ...]
    compute: Callable[..., Tensor]

    def __call__(self, inputs: dict[str, Tensor | None]) -> Tensor:
        missing = [name for name in self.uses if inputs.get(name) is None]
        if missing:
            raise ValueError(f"{self.weight} > 0 ({self.name}) needs {' and '.join(missing)}, and this batch has none")
        return self.compute(*(inputs[name] for name in self.uses))


TERMS: dict[str, LossTerm] = {}


def loss_term(name: str, *, weight: str, uses: tuple[str, ...]) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Register the decorated function as the term ``name``, weighted by the field ``weight``."""
    unknown = set(uses) - set(INPUTS)
    if unknown:
        raise ValueError(f"loss term {name!r} uses unknown inputs {sorted(unknown)}; choose from {INPUTS}")

    def register(compute: Callable[..., Tensor]) -> Callable[..., Tensor]:
        TERMS[name] = LossTerm(name, weight, tuple(uses), compute)
        return compute

    return register


def active_terms(weights: object) -> list[LossTerm]:
    """The registered terms whose weight in ``weights`` is > 0."""
    return [term for term in TERMS.values() if getattr(weights, term.weight, 0.0) > 0]


def needs(weights: object, name: str) -> bool:
    """Whether an active term uses the batch input ``name`` (``masks``, ``input_grads``)."""
    return any(name in term.uses for term in active_terms(weights))


def over_masked(term: LossTerm, inputs: dict[str, Tensor | None], has_mask: Tensor) -> Tensor:
    """``term`` averaged over the images of the batch whose mask was given (``has_mask``,
    bool ``[B]``); 0 when none was. A batch where every image has a mask is computed whole,
    exactly as without ``has_mask``."""
    if bool(has_mask.all()):
        return term(inputs)
    if not bool(has_mask.any()):
        logits = inputs["logits"]
        assert logits is not None  # every batch has logits
        return logits.new_zeros(())
    return term({name: None if value is None else value[has_mask] for name, value in inputs.items()})
