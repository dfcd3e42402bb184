"""Graph-level knowledge shared by conversion, cost counting and export: the table of the
ops ann2snn understands (docs/methods.md#graph-ops)."""

from ann2snn.graph.ops import FUNCTIONS, METHODS, MODULES, ROLES, Op, module_op, op_of

__all__ = ["FUNCTIONS", "METHODS", "MODULES", "ROLES", "Op", "module_op", "op_of"]
