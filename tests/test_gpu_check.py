"""The GPU check's dry run on CPU (benchmarks/gpu_check.py --device cpu --quick)."""

import importlib.util
import json
import math
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def test_gpu_check_dry_run_on_cpu(capsys):
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    gpu_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_check)
    # the device tests run in this suite already: the dry run checks the rest of the script
    result = gpu_check.main(["--device", "cpu", "--quick", "--tests", "none", "--repeats", "1"])
    assert json.loads(capsys.readouterr().out) == result
    assert result["device"] == "cpu" and result["tests"] == {"ran": False}
    assert [(r["batch"], r["T"]) for r in result["speed"]] == [(16, 2), (16, 4)]
    assert all(math.isfinite(r["snn_vs_T_ann"]) and r["snn_s"] > 0 for r in result["speed"])
    assert result["memory"]["measured"] is False and "why" in result["spikingjelly"]
