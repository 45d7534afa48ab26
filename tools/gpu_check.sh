#!/usr/bin/env bash
# The course on a CUDA GPU in about 8 minutes, with no internet and no Jupyter server:
# package tests, the DCGAN throughput, every solution notebook; one table at the end.
#
#   tools/gpu_check.sh                                # on the GPU machine
#   AML_GAN_DEVICE=cpu tools/gpu_check.sh --dry-run   # a quick rehearsal on a CPU
#   tools/gpu_check.sh --help                         # budget, notebooks, runner, output folder
#
# Python: $PYTHON if set, else .venv/bin/python when `make install` made one, else python3.
# It needs PyTorch and the package's runtime dependencies; pytest and nbclient are used
# when installed (without nbclient the notebooks run as scripts).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -n "${PYTHON:-}" ]]; then
    py="$PYTHON"
elif [[ -x "$repo/.venv/bin/python" ]]; then
    py="$repo/.venv/bin/python"
else
    py=python3
fi
exec "$py" "$repo/tools/gpu_check.py" "$@"
