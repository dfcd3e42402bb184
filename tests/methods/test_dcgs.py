"""The DCGS presets (mt, dc, dcgs): compositions of choices, checked like every recipe, with
their horizon, latency and export refusals."""

import pytest
import torch

import ann2snn
from ann2snn import MethodError, OptionError
from ann2snn.export import NotExact, export_graph
from ann2snn.methods import get_method
from ann2snn.snn.network import decode

from conftest import TinyResNet


@pytest.fixture
def net_and_data():
    torch.manual_seed(0)
    model = TinyResNet().eval()
    x = torch.rand(24, 3, 8, 8)
    return model, x, [(x, model(x).argmax(-1))]


def test_the_presets_are_compositions_of_choices():
    mt, dc, dcgs = (get_method(n) for n in ("mt", "dc", "dcgs"))
    assert (mt.neuron, mt.coding, mt.threshold) == ("mt", "rate", "iterative")
    assert (dc.neuron, dc.coding, dc.threshold, dc.v0) == ("if", "diff", "percentile", 0.5)
    assert (dcgs.neuron, dcgs.coding, dcgs.threshold) == ("mt", "diff", "iterative")
    assert mt.depends_on_timesteps and not dc.depends_on_timesteps
    assert not get_method("dcgs", t_max=8).depends_on_timesteps


def test_differential_coding_costs_one_more_step(net_and_data):
    model, x, data = net_and_data
    report = ann2snn.evaluate(model, data, [2, 4], "dc", calib=[x])
    assert [r["latency_steps"] for r in report["snn"]] == [3, 5]
    assert [r["first_output_step"] for r in report["snn"]] == [2, 2]
    assert report["latency"]["setup_steps"] == 1
    plain = ann2snn.evaluate(model, data, [4], "robust", calib=[x])
    assert plain["snn"][0]["latency_steps"] == 4


def test_dcgs_tracks_the_ann_as_t_grows(net_and_data):
    """On a random residual net the T = 16 output is closer to the ANN's than the T = 2 one."""
    model, x, _ = net_and_data
    with torch.no_grad():
        ann = model(x)
    gaps = []
    for steps in (2, 16):
        snn = ann2snn.convert(model, "dcgs", calib=[x], timesteps=steps)
        with torch.no_grad():
            gaps.append(float((decode(snn(x, steps))[-1] - ann).abs().mean()))
    assert gaps[1] < gaps[0]


def test_t_max_fixes_the_horizon_and_refuses_beyond_it(net_and_data):
    model, x, data = net_and_data
    snn = ann2snn.convert(model, "dcgs", calib=[x], t_max=4)
    assert snn(x, 4).shape[0] == 4
    with pytest.raises(MethodError, match=r"computed for T <= 4 \(t_max\), but it runs T = 8"):
        snn(x, 8)
    with pytest.raises(OptionError, match="t_max = 4, but T = 8 is asked"):
        ann2snn.evaluate(model, data, [2, 8], "dcgs", calib=[x], t_max=4)
    with pytest.raises(OptionError, match="t_max = 4, but T = 8 is asked"):
        ann2snn.convert(model, "dcgs", calib=[x], timesteps=8, t_max=4)


def test_combinations_that_make_no_sense_are_refused(net_and_data):
    model, x, _ = net_and_data
    with pytest.raises(MethodError, match="differential coding sends changes"):
        ann2snn.convert(model, "snnc-light", calib=[x], timesteps=4, coding="diff")
    with pytest.raises(MethodError, match="would ignore mt_thresholds"):
        ann2snn.convert(model, "dc", calib=[x], mt_thresholds=3)
    with pytest.raises(MethodError, match="would ignore t_max"):
        ann2snn.convert(model, "robust", calib=[x], t_max=4)


def test_nir_refuses_differential_coding_even_lossy(net_and_data):
    model, x, _ = net_and_data
    snn = ann2snn.convert(model, "dc", calib=[x])
    with pytest.raises(NotExact, match="differential coding has no NIR form"):
        export_graph(snn)
    with pytest.raises(NotExact, match="differentially coded layers have no NIR form"):
        export_graph(snn, lossy=True)


@pytest.mark.parametrize("method, options", [("dcgs", {"t_max": 8}), ("mt", {"t_max": 8}),
                                             ("dc", {})])
def test_time_chunks_give_the_same_run(net_and_data, method, options):
    model, x, _ = net_and_data
    snn = ann2snn.convert(model, method, calib=[x], **options)
    assert torch.equal(snn(x, 8, chunk=3), snn(x, 8, chunk=0))


def test_graded_spikes_cost_one_accumulate_per_synapse_by_hand():
    """Linear(2, 3) -> MT -> Linear(3, 2): a neuron sending ±θ/2^k costs its fan-out (2
    synapses) whatever k; counted from the spikes the run emits."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
        model[0].bias.zero_()
    x = torch.tensor([[0.3, 0.9]])
    report = ann2snn.evaluate(model.eval(), [(x, torch.tensor([0]))], [4], "mt", calib=[x],
                              threshold="max")
    snn = ann2snn.convert(model.eval(), "mt", calib=[x], timesteps=4, threshold="max")
    events = 0
    def count(spikes, values, offset):
        nonlocal events
        events += int(spikes.sum())
    snn.neurons()[0][1].observer = count
    snn(x, 4)
    row = report["snn"][0]
    assert events > 0 and row["sops"] == events * 2
    assert row["spikes_per_neuron"] == pytest.approx(events / 3)


def test_reports_say_what_a_spike_carries(net_and_data):
    model, x, data = net_and_data
    for method, values in (("dcgs", "{0, ±θ/2^k, k < 4}"), ("dc", "{0, ±θ}"),
                           ("robust", "{0, θ}")):
        report = ann2snn.evaluate(model, data, [4], method, calib=[x])
        assert {r["spike_values"] for r in report["layers"]["4"]} == {values}
