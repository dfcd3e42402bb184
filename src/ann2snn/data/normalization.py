"""Named input normalisations. Which one a set of weights expects is stated, never guessed."""

from __future__ import annotations

from ann2snn.errors import DataError

NORMALIZATIONS: dict[str, tuple[tuple[float, ...], tuple[float, ...]] | None] = {
    "none": None,
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
    "digits": ((0.3059,), (0.3773,)),
    "mnist": ((0.1307,), (0.3081,)),
    "fashion-mnist": ((0.2860,), (0.3530,)),
}


def parse_normalization(spec: str) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """A name (``imagenet``, ``cifar10``, ``none``, ...) or ``MEAN1,MEAN2,../STD1,STD2,..``."""
    if spec in NORMALIZATIONS:
        return NORMALIZATIONS[spec]
    try:
        mean, std = spec.split("/")
        stats = tuple(float(v) for v in mean.split(",")), tuple(float(v) for v in std.split(","))
    except ValueError:
        raise DataError(
            f"unknown normalisation {spec!r}; use one of {', '.join(NORMALIZATIONS)} "
            "or MEAN,MEAN,MEAN/STD,STD,STD"
        ) from None
    if len(stats[0]) != len(stats[1]) or any(s <= 0 for s in stats[1]):
        raise DataError(f"normalisation {spec!r}: as many means as stds, stds > 0")
    return stats
