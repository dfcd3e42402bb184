"""Step 1 of the pipeline: trace the ANN into a torch.fx graph."""

from __future__ import annotations

import os
import re
import traceback

from torch import fx, nn

from ann2snn.ann.clip_relu import ClipReLU
from ann2snn.ann.qcfs import QCFS
from ann2snn.errors import ConversionError

_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)\n\s*(.*)')
_TORCH_DIR = os.path.dirname(os.path.dirname(nn.__file__))
_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Tracer(fx.Tracer):
    """Keeps torch.nn modules and our activations as leaves; records where nodes come from."""

    def __init__(self) -> None:
        super().__init__()
        self.record_stack_traces = True

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, (ClipReLU, QCFS)) or super().is_leaf_module(m, qualname)


def trace(model: nn.Module) -> fx.GraphModule:
    """Symbolically trace ``model`` (in eval mode); a clear error if it is not traceable."""
    model.eval()
    try:
        graph = _Tracer().trace(model)
    except Exception as exc:  # fx raises many kinds: TraceError, TypeError, RuntimeError...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = _user_line(exc)
        raise ConversionError(
            f"cannot trace {type(model).__name__} with torch.fx ({type(exc).__name__}: {first})"
            f"{f' at {where}' if where else ''}; remove data-dependent control flow from "
            "forward() (if/for/assert on tensor values or sizes) or wrap that part in a leaf module"
        ) from None
    return fx.GraphModule(model, graph, class_name=type(model).__name__)


def _where(path: str, line, code: str, width: int | None) -> str:
    code = code.strip()
    if width is not None and len(code) > width:
        code = code[: width - 3] + "..."
    return f"{os.path.basename(path)}:{line} `{code}`"


def origin(node: fx.Node, width: int | None = None) -> str:
    """Where a node comes from in the user's code, ``file.py:LINE `code` `` (the code cut to
    ``width`` characters), or ''. For a module call: the line of ``forward`` that calls it."""
    frames = _FRAME.findall(node.stack_trace or "")
    user = [f for f in frames if not f[0].startswith(_TORCH_DIR)]
    if not user:
        return ""
    path, line, _, code = user[-1]
    return _where(path, line, code, width)


def _user_line(exc: BaseException) -> str:
    """The last frame of the user's code in ``exc``'s traceback (not torch, not ann2snn)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith((_TORCH_DIR, _OWN_DIR)) and f.line]
    return _where(frames[-1].filename, frames[-1].lineno, frames[-1].line, 80) if frames else ""
