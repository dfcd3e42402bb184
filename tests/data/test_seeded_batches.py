"""SeededBatches: pass 0 is fixed and plain; fresh passes are new, augmented and never touch
the held-out images."""

import itertools

import torch
from torch.utils.data import DataLoader, TensorDataset

from ann2snn.data import SeededBatches
from ann2snn.data.registry import TransformedDataset


def _noise(x, generator=None):
    """A stand-in augmentation: a small seeded offset per sample."""
    return x + 0.01 * torch.rand((), generator=generator)


def _augmented(n=100):
    plain = TensorDataset(torch.rand(n, 3), torch.arange(n))  # label = the image's index
    return plain, TransformedDataset(plain, _noise, seed=0)


def test_pass_zero_is_the_loaders_shuffle_of_the_plain_images():
    plain, augmented = _augmented()
    expected = list(DataLoader(plain, batch_size=16, shuffle=True,
                               generator=torch.Generator().manual_seed(3)))
    for _ in range(2):  # the same batches on every pass 0
        got = list(SeededBatches(augmented, 16, seed=3))
        assert len(got) == len(expected) == 7
        for (x, y), (ex, ey) in zip(got, expected):
            assert torch.equal(y, ey) and torch.equal(x, ex)


def test_fresh_passes_are_new_augmented_and_skip_the_held_out_images():
    plain, augmented = _augmented()
    batches = SeededBatches(augmented, 16, seed=3)
    held = set(torch.cat([y for _, y in itertools.islice(iter(batches), 2)]).tolist())
    fresh = list(itertools.islice(batches.fresh(skip=2, salt=0), 12))  # > one pass (4 batches)
    assert all(len(y) == 16 for _, y in fresh)
    seen = torch.cat([y for _, y in fresh]).tolist()
    assert not set(seen) & held
    assert set(seen) == set(range(100)) - held  # every other image appears
    orders = [tuple(y.tolist()) for _, y in fresh]
    assert len(set(orders)) == len(orders)  # no batch repeats across passes
    x, y = fresh[0]
    offset = x - plain.tensors[0][y]
    assert (offset > 0).all() and (offset < 0.01).all()  # augmented, not the stored images
    again = list(itertools.islice(batches.fresh(skip=2, salt=0), 12))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(fresh, again))
    other = next(batches.fresh(skip=2, salt=1))
    assert not torch.equal(other[1], fresh[0][1])
