"""What a conversion costs: spikes, synaptic operations, MACs, energy, per-layer error."""
