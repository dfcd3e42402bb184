"""``leading_sum``: the sum over the leading dims, in the memory order of the rest."""

import pytest
import torch

from ann2snn.snn.time import leading_sum


@pytest.mark.parametrize("layout", ["channels_last", "contiguous"])
def test_leading_sum_equals_the_plain_reduction(layout):
    torch.manual_seed(0)
    x = torch.randn(6, 5, 4, 7, 3)  # [T, B, C, H, W]
    if layout == "channels_last":
        x = x.reshape(30, 4, 7, 3).contiguous(memory_format=torch.channels_last).reshape(6, 5, 4, 7, 3)
    spikes = (x > 0.3).float()  # 0/1 sums are exact in any order
    assert torch.equal(leading_sum(spikes, 2), spikes.sum((0, 1)))
    got = leading_sum(x, 2, mean=True)
    assert got.shape == (4, 7, 3) and got.is_contiguous()
    assert torch.allclose(got, x.mean((0, 1)), rtol=1e-6, atol=1e-7)
    assert torch.allclose(leading_sum(x, 1), x.sum(0), rtol=1e-6, atol=1e-6)
