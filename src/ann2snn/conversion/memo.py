"""What conversions of one ANN on the same calibration batches can share
(docs/methods.md#conversion-memo).

An evaluation converts once per ``T`` and :func:`ann2snn.compare` once per method and
``T``; much of that work is the same each time. A :class:`ConversionMemo` keeps, for one
calibration source:

- each site's finished threshold observer, keyed by what the rule reads (the rule, per
  channel, the percentile, ``T`` for ``mse``, the levels for ``iterative``) and the number
  of batches: ``opi``, ``rts`` and ``robust`` observe their 99.9th percentiles once, the
  ``mse`` thresholds of ``snnc-light``, ``snnc-advanced``, ``ftbc`` and ``tpp`` once per T;
- the state of the IF layers after a recipe's first ``j`` calibration passes, keyed by every
  choice of the recipe but its name, those passes and their parameters, ``T`` and the
  batch count: ``ftbc`` on its ``snnc-light`` base starts where ``snnc-light`` ended.

A hit gives the same tensors the work would have computed (the same batches, in the same
order, through the same code), so it changes no result, only the seconds.
"""

from __future__ import annotations

from dataclasses import fields

from torch import Tensor

from ann2snn.conversion.thresholds import ThresholdEstimator
from ann2snn.methods.options import pass_parameters
from ann2snn.methods.recipe import Recipe

#: what a calibration pass may change in an IF layer (all of it is restored on a hit)
CALIBRATED_STATE = ("threshold", "v0", "bias", "step_bias")
_NOT_COMPUTED = ("name", "description", "calibration", "params", "overridden")


class ConversionMemo:
    """Shared results of conversions of the prepared ANN ``prep`` that read the batches of
    ``calib`` (both held, so that their identities stay valid)."""

    def __init__(self, calib, prep) -> None:
        self.calib, self.prep = calib, prep
        self.observers: dict[tuple, ThresholdEstimator] = {}
        self.input_shape: tuple[int, ...] | None = None
        self.states: dict[str, tuple[dict, dict]] = {}
        self.hits = 0

    @staticmethod
    def observer_key(site: str, e: ThresholdEstimator, batches: int, device) -> tuple:
        return (site, e.rule, e.per_channel, e.p if e.rule == "percentile" else None,
                e.steps if e.rule == "mse" else None, e.levels if e.rule == "iterative" else None,
                batches, str(device))

    def recall_observers(self, estimators: dict, batches: int, device) -> dict:
        """``estimators`` with the finished ones substituted; returns those still to run."""
        todo = {}
        for site, e in list(estimators.items()):
            found = self.observers.get(self.observer_key(site, e, batches, device))
            if found is None:
                todo[site] = e
            else:
                estimators[site] = found
                self.hits += 1
        return todo

    def keep_observers(self, estimators: dict, batches: int, device, shape) -> None:
        for site, e in estimators.items():
            self.observers[self.observer_key(site, e, batches, device)] = e
        self.input_shape = self.input_shape or shape

    @staticmethod
    def state_key(recipe: Recipe, passes: int, steps, batches, device) -> str:
        done = recipe.calibration[:passes]
        choices = [(f.name, getattr(recipe, f.name)) for f in fields(recipe)
                   if f.name not in _NOT_COMPUTED]
        return repr((choices, done, [pass_parameters(p, recipe.params) for p in done],
                     steps, batches, str(device)))

    def restore(self, snn, recipe: Recipe, steps, batches, device) -> int:
        """Put the longest remembered prefix of ``recipe``'s passes into ``snn`` (IF layers
        only: they draw no random numbers); returns how many passes it covers."""
        if not _remembered(recipe):
            return 0
        for passes in range(len(recipe.calibration), 0, -1):
            found = self.states.get(self.state_key(recipe, passes, steps, batches, device))
            if found is not None:
                layers, costs = found
                for name, neuron in snn.neurons():
                    for attr, value in layers[name].items():
                        setattr(neuron, attr, None if value is None else value.clone())
                snn.info.calibration.update({k: {**v, "reused": True} for k, v in costs.items()})
                self.hits += 1
                return passes
        return 0

    def keep(self, snn, recipe: Recipe, passes: int, steps, batches, device) -> None:
        """Remember ``snn``'s IF layers after ``recipe``'s first ``passes`` passes."""
        if not _remembered(recipe):
            return
        layers = {name: {attr: _copy(getattr(neuron, attr, None)) for attr in CALIBRATED_STATE}
                  for name, neuron in snn.neurons()}
        costs = {k: dict(v) for k, v in snn.info.calibration.items()}
        self.states[self.state_key(recipe, passes, steps, batches, device)] = (layers, costs)


def _remembered(recipe: Recipe) -> bool:
    """Deterministic layers only: plain IF (TPP and permutations draw random numbers)."""
    return recipe.neuron == "if" and recipe.permute is None


def _copy(value: Tensor | None) -> Tensor | None:
    return None if value is None else value.detach().clone()


def memo_for(cache: dict | None, calib, prep) -> ConversionMemo | None:
    """The memo of ``calib`` and ``prep`` in ``cache`` (a dict shared by evaluations), made
    on first use; a fresh one when there is no cache; None without calibration data."""
    if calib is None:
        return None
    if cache is None:
        return ConversionMemo(calib, prep)
    key = ("conversion-memo", id(calib), id(prep))
    memo = cache.get(key)
    if memo is None or memo.calib is not calib or memo.prep is not prep:
        memo = cache[key] = ConversionMemo(calib, prep)
    return memo
