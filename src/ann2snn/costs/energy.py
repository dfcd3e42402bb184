"""Energy and latency conventions (docs/methods.md#costs)."""

from __future__ import annotations

#: 45 nm CMOS, 32-bit floating point (Horowitz, ISSCC 2014)
PJ_PER_MAC = 4.6
PJ_PER_AC = 0.9

CONVENTIONS = {
    "pj_per_mac": PJ_PER_MAC, "pj_per_ac": PJ_PER_AC,
    "note": "energy = 4.6 pJ per MAC + 0.9 pJ per accumulate (45 nm, Horowitz 2014); memory "
            "traffic is ignored. Per inference (one sample, averaged over the test set). "
            "sops: each spike times the synapses it reaches (non-zero weights of the next "
            "conv/linear layer, with stride, padding and groups at the borders); routing_acs: "
            "one accumulate per average-pooling window and residual addition a spike passes "
            "on its way (counted in acs and energy); macs: the layers before the first "
            "spiking layer, which see the analog image, counted once per inference (direct "
            "coding; macs_per_step_convention counts them at every step, as NeuroBench and "
            "SpikingJelly do); a dense input is assumed there. ANN: every synaptic layer's "
            "MACs (pooling and additions not counted). Two-phase layers are counted from the "
            "spikes they emit.",
}


def energy_uj(macs: float, acs: float) -> float:
    """Microjoules of ``macs`` multiply-accumulates and ``acs`` accumulates."""
    return (PJ_PER_MAC * macs + PJ_PER_AC * acs) * 1e-6


def latency(steps: int, two_phase_layers: int, setup_steps: int = 0) -> dict:
    """Steps until the prediction at ``T`` is complete, and the step of the first output.

    IF layers stream: output from step 1, the prediction after T steps. Each two-phase layer
    fires only after accumulating its T input steps: N of them delay the first output by
    N·T steps, and the prediction (the mean of T output steps) is complete after (N + 1)·T.
    ``setup_steps`` run before the first input (differential coding's bias step: 1).
    """
    delay = two_phase_layers * steps + setup_steps
    return {"latency_steps": delay + steps, "first_output_step": delay + 1}


def latency_note(spiking_layers: int, two_phase_layers: int, setup_steps: int = 0) -> dict:
    """The report's per-network latency record (:func:`latency` gives the steps)."""
    note = ("T per layer; a two-phase layer fires only after accumulating T steps, so the "
            "first output of N such layers appears after about N*T steps" if two_phase_layers
            else "IF layers stream: the output at step t uses steps 1..t")
    if setup_steps:
        note += ("; differential coding runs one step before the input (it carries only the "
                 "biases), so the prediction at T is complete after T + 1 steps")
    return {"spiking_layers": spiking_layers, "two_phase_layers": two_phase_layers,
            "setup_steps": setup_steps, "note": note}
