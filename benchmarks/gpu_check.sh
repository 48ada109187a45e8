#!/usr/bin/env bash
# The CUDA checks of lstmlab.nn, prepared to run in one go where a CUDA GPU is at hand:
# PyTorch's own LSTM/LSTMCell tests (tests/nn/pytorch) and the equality grid against
# torch.nn.LSTM (tests/nn/test_lstm_matches_torch.py), with lstmlab's class on the GPU for
# every implementation ("fast" runs its Python recurrence there) and torch's as the control.
#
#   bash benchmarks/gpu_check.sh            # about 5 minutes on one GPU
#   LSTMLAB_PYTORCH_FULL=1 bash benchmarks/gpu_check.sh   # every sample and configuration
#
# Prints the pytest summaries and writes them under $OUT (or ./gpu_check/) as JUnit XML.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
out=${OUT:-gpu_check}
mkdir -p "$out"
"$PYTHON" - <<'PY'
import torch
if not torch.cuda.is_available():
    raise SystemExit("gpu_check: no CUDA GPU visible to torch " + torch.__version__)
print("gpu_check:", torch.__version__, torch.cuda.get_device_name(0),
      "cuDNN", torch.backends.cudnn.version())
PY
export LSTMLAB_TEST_DEVICE=cuda:0 PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
status=0
"$PYTHON" -m pytest tests/nn/pytorch -p no:cacheprovider -rfEsx --junitxml="$out/pytorch_tests.xml" \
    || status=$?
"$PYTHON" -m pytest tests/nn/test_lstm_matches_torch.py -p no:cacheprovider -rfE \
    --junitxml="$out/equality_grid.xml" || status=$?
exit $status
