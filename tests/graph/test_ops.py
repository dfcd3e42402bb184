"""The one table of graph ops: every consumer reads it, so one entry changes all four."""

import pytest
import torch
from torch import fx, nn

import ann2snn
from ann2snn import ConversionError
from ann2snn.costs.fanout import analyse
from ann2snn.export.nir_encodings import ENCODINGS
from ann2snn.graph import ops
from ann2snn.graph.ops import FUNCTIONS, METHODS, MODULES, ROLES, module_op, op_of

ENTRIES = [*MODULES.values(), *FUNCTIONS.values(), *METHODS.values()]


def test_every_entry_has_a_known_role_and_an_existing_nir_encoding():
    assert {op.role for op in ENTRIES} == set(ROLES)  # no role declared and unused
    assert {op.nir for op in ENTRIES if op.nir} == set(ENCODINGS)  # and no encoding orphaned
    assert all((op.avg_form is not None) == (op.role == "max_pool") for op in ENTRIES)


def test_a_subclass_takes_its_base_classes_entry():
    class MyConv(nn.Conv2d):
        pass

    assert module_op(MyConv(1, 1, 1)) is MODULES[nn.Conv2d]
    assert module_op(nn.BatchNorm2d(3)).role == "affine" and module_op(nn.ReLU()) is None


class Cat(nn.Module):
    def forward(self, x):
        return torch.cat([x, x])  # torch.cat's default dim is 0: the batch


class Sums(nn.Module):
    def __init__(self, reduce):
        super().__init__()
        self.conv, self.act, self.reduce = nn.Conv2d(1, 2, 1), ann2snn.ClipReLU(1.0), reduce

    def forward(self, x):
        return self.reduce(self.act(self.conv(x)))


def test_concatenation_on_the_default_dim_is_refused():
    with pytest.raises(ConversionError, match="concatenation along the batch dimension"):
        ann2snn.convert(Cat().eval(), "opi")


@pytest.mark.parametrize("reduce", [lambda y: torch.sum(y, (2, 3)), lambda y: y.sum((2, 3)),
                                    lambda y: torch.mean(y, (2, 3)) * 16],
                         ids=["torch.sum", "Tensor.sum", "torch.mean"])
def test_every_spelling_of_a_reduction_is_costed_as_one(reduce):
    """A reduction over 4x4 positions passes each spike once: the same routing whichever way
    it is written (the table gives all three one role)."""
    snn = ann2snn.convert(Sums(reduce).eval(), "opi")
    name = snn.neurons()[0][0]
    routing = analyse(snn, torch.rand(1, 1, 4, 4)).routing[name]
    assert torch.equal(routing, torch.ones(2, 4, 4))


def test_lookup_by_node_kind():
    gm = fx.symbolic_trace(nn.Sequential(nn.Conv2d(1, 1, 1), nn.Flatten()))
    modules = dict(gm.named_modules())
    found = [op_of(n, modules) for n in gm.graph.nodes]
    assert found == [None, MODULES[nn.Conv2d], MODULES[nn.Flatten], None]  # input, output: no op
    assert ops.METHODS["add"].time_form is ops.time_add
