"""scikit-learn's digits: 1,797 real 8x8 images, shipped with the package (the default)."""

from __future__ import annotations

import torch
from torch.utils.data import TensorDataset

#: fixed held-out split: 25 % test, stratified, seed 0 (1,347 train / 450 test)
TEST_FRACTION, SPLIT_SEED = 0.25, 0


def load_digits(split: str) -> TensorDataset:
    """Images as float ``[N, 1, 8, 8]`` in [0, 1] (pixel / 16) and int64 labels."""
    from sklearn.datasets import load_digits as sk_load
    from sklearn.model_selection import train_test_split

    bunch = sk_load()
    x_tr, x_te, y_tr, y_te = train_test_split(
        bunch.images, bunch.target, test_size=TEST_FRACTION, random_state=SPLIT_SEED,
        stratify=bunch.target,
    )
    x, y = (x_tr, y_tr) if split == "train" else (x_te, y_te)
    return TensorDataset(torch.tensor(x, dtype=torch.float32).unsqueeze(1) / 16.0,
                         torch.tensor(y, dtype=torch.int64))
