"""The batched layer conductance against Captum's LayerConductance (the oracle)."""

from __future__ import annotations

import pytest
import torch
from captum.attr import LayerConductance

from trustcnn.error_detection import layer_conductance, unit_conductance

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:captum")


@pytest.mark.parametrize("n_steps", [1, 8, 20])
def test_equals_captums_layer_conductance(split_net, images, n_steps: int) -> None:
    target = torch.tensor([0, 1, 2, 0, 1, 2])
    ours = layer_conductance(split_net, split_net.cam_layer, images, target, n_steps=n_steps)
    captum = LayerConductance(split_net, split_net.cam_layer).attribute(
        images, baselines=0.0, target=target, n_steps=n_steps, method="riemann_trapezoid"
    )
    assert ours.shape == captum.shape == (6, 8, 8, 8)
    torch.testing.assert_close(ours, captum.detach(), rtol=1e-4, atol=1e-6)


def test_target_defaults_to_the_predicted_class(split_net, images) -> None:
    predicted = split_net(images).argmax(1)
    torch.testing.assert_close(
        layer_conductance(split_net, split_net.cam_layer, images), layer_conductance(split_net, split_net.cam_layer, images, predicted)
    )


def test_completeness_units_carry_the_logit_change_with_many_steps(split_net, images) -> None:
    """Conductance sums over a layer's units to F(x) − F(baseline) as the path is refined,
    since every path from the input to the logit passes through the layer."""
    target = split_net(images).argmax(1)
    change = split_net(images).gather(1, target[:, None])[:, 0] - split_net(torch.zeros_like(images)).gather(1, target[:, None])[:, 0]
    total = layer_conductance(split_net, split_net.cam_layer, images, target, n_steps=256).flatten(1).sum(1)
    torch.testing.assert_close(total, change.detach(), rtol=0.02, atol=1e-3)


def test_unit_conductance_sums_each_channel_over_positions(split_net, images) -> None:
    full = layer_conductance(split_net, split_net.cam_layer, images, n_steps=4)
    per_unit = unit_conductance(split_net, split_net.cam_layer, images, n_steps=4)
    assert per_unit.shape == (6, 8)
    torch.testing.assert_close(per_unit, full.sum(dim=(2, 3)))


def test_rejects_no_steps(split_net, images) -> None:
    with pytest.raises(ValueError, match="n_steps"):
        layer_conductance(split_net, split_net.cam_layer, images, n_steps=0)
