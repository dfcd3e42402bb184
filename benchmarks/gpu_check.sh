#!/usr/bin/env bash
# The GPU check (benchmarks/gpu_check.py): one JSON on stdout, progress on stderr.
#   bash benchmarks/gpu_check.sh > docs/results-gpu.json            # on the GPU machine
#   bash benchmarks/gpu_check.sh --device cpu --quick --tests device  # the CPU dry run
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" exec "$python" benchmarks/gpu_check.py "$@"
