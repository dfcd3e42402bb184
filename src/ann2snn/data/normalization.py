"""Named input normalisations. Which one a set of weights expects is stated, never guessed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ann2snn.errors import DataError
from ann2snn.registry import Registry

Stats = tuple[tuple[float, ...], tuple[float, ...]]

#: the named normalisations: ``(mean, std)`` per channel, None for none
NORMALIZATIONS: Registry[Stats | None] = Registry("normalisation", error=DataError)
for _name, _stats in (
    ("none", None),
    ("imagenet", ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))),
    ("cifar10", ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))),
    ("cifar100", ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762))),
    ("digits", ((0.3059,), (0.3773,))),
    ("mnist", ((0.1307,), (0.3081,))),
    ("fashion-mnist", ((0.2860,), (0.3530,))),
):
    NORMALIZATIONS.add(_name, _stats)
del _name, _stats


@dataclass(frozen=True)
class Normalization:
    """``(x - mean) / std`` per channel, or none (``mean is None``); ``name`` says where it
    comes from (a named one, or the numbers as given)."""

    name: str
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    def __post_init__(self):
        if (self.mean is None) != (self.std is None):
            raise DataError(f"normalisation {self.name!r}: give both mean and std, or neither")
        if self.mean is None:
            return
        values = (*self.mean, *self.std)
        if len(self.mean) != len(self.std) or not self.mean:
            raise DataError(f"normalisation {self.name!r}: as many means as stds "
                            f"({len(self.mean)} vs {len(self.std)})")
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise DataError(f"normalisation {self.name!r}: means and stds must be finite numbers")
        if any(s <= 0 for s in self.std):
            raise DataError(f"normalisation {self.name!r}: every std must be > 0")

    @property
    def stats(self) -> Stats | None:
        return None if self.mean is None else (self.mean, self.std)

    def as_dict(self) -> dict:
        """What checkpoints store: ``{"name", "mean", "std"}``."""
        return {"name": self.name, "mean": None if self.mean is None else list(self.mean),
                "std": None if self.std is None else list(self.std)}

    @classmethod
    def from_dict(cls, record, where: str) -> Normalization:
        """The normalisation a file recorded, checked (numbers only; nothing else is read)."""
        if not isinstance(record, dict) or not isinstance(record.get("name"), str):
            raise DataError(f"{where}: the normalisation record is missing or malformed")
        mean, std = record.get("mean"), record.get("std")
        for v in (mean, std):
            if v is not None and not (isinstance(v, list) and all(
                    isinstance(e, (int, float)) and not isinstance(e, bool) for e in v)):
                raise DataError(f"{where}: the normalisation record holds non-numbers")
        return cls(record["name"], None if mean is None else tuple(mean),
                   None if std is None else tuple(std))

    def check_channels(self, channels: int, where: str) -> None:
        """Refuse a normalisation whose channel count does not match the data's."""
        if self.mean is not None and len(self.mean) not in (1, channels):
            raise DataError(f"normalisation {self.name!r} has {len(self.mean)} channels but "
                            f"{where} has {channels}; pass --normalize with {channels} values")


def parse_normalization(spec: str) -> Normalization:
    """A name (``imagenet``, ``cifar10``, ``none``, ...) or ``MEAN1,MEAN2,../STD1,STD2,..``."""
    if spec in NORMALIZATIONS:
        stats = NORMALIZATIONS[spec]
        return Normalization(spec, *(stats or (None, None)))
    try:
        mean, std = spec.split("/")
        values = tuple(float(v) for v in mean.split(",")), tuple(float(v) for v in std.split(","))
    except ValueError:
        raise DataError(
            f"unknown normalisation {spec!r}; use one of {', '.join(NORMALIZATIONS)} "
            "or MEAN,MEAN,MEAN/STD,STD,STD"
        ) from None
    return Normalization(spec, *values)
