#!/usr/bin/env bash
# The IMDb recipe at full scale on one CUDA GPU (issue #22), prepared to run in one go:
#   1. `lstmlab train lm --preset best` on all 73,500 train + unsup reviews (never test:
#      data.max_documents = 0, ~20 M tokens), embedding 400, one LSTM layer of 1024 units
#      (cuDNN), batch 128, LM_EPOCHS epochs;
#   2. `lstmlab train sentiment --preset pretrained --set model.init_from=<that run>` with the
#      LM's sizes (ULMFiT's fine-tuning recipe as the preset has it), FT_EPOCHS epochs.
# Each phase runs under `timeout` (SIGTERM: the trainer stops between two training steps and
# saves last.pt, or at the end of a validation that it interrupts; a classifier then starts
# from the LM's best.pt, else that last.pt; SIGKILL 60 s later, e.g. when the signal came
# during the test evaluation, which does not stop early), so
# the whole script ends within about 12 minutes: sized for an H200 lent for 15 minutes.
#
# NEVER RUN ON A GPU YET: written and checked on a CPU-only machine (SMOKE=1 below runs the
# same command lines with tiny sizes on the CPU). Its epochs and time limits are estimates
# (cuDNN LSTM, ~1e5-1e6 tokens/s guessed): the first GPU run should record the tokens/s and
# the epoch times it prints, and size LM_EPOCHS and the timeouts from them.
#
#   LSTMLAB_DATA=/path/to/data bash benchmarks/gpu_imdb.sh     # the data root holding
#                                               # aclImdb_v1.tar.gz (or aclImdb/)
#   SMOKE=1 LSTMLAB_DATA=... bash benchmarks/gpu_imdb.sh       # tiny sizes, CPU, ~1-2 minutes
#
# Knobs (environment): LM_EPOCHS (3), FT_EPOCHS (5), LM_TIMEOUT (420 s), FT_TIMEOUT (240 s),
# LM_SETS / FT_SETS (extra `--set K=V` items, e.g. LM_SETS="model.weight_drop=0.2"),
# PYTHON (python3), RUNS (run folders; default a temporary folder: the checkpoints are
# large), OUT (where the figures go; default ./gpu_imdb/).
# On a device machine the data travels with the working tree: copy aclImdb_v1.tar.gz (55 MB)
# into an ignored folder of the checkout (e.g. .data/, listed in .git/info/exclude), carry it
# and set LSTMLAB_DATA=.data there. The package needs only torch, numpy, tqdm, matplotlib,
# safetensors and ninja, all in the H200 image; it runs from src/ (PYTHONPATH), not installed.
#
# Writes into $OUT: summary.txt (the figures: perplexity, accuracy, epoch times, tokens/s),
# log.txt (everything printed), and both runs' metrics.jsonl, test_metrics.json, config.json.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=${OUT:-gpu_imdb}
mkdir -p "$out"
runs=${RUNS:-$(mktemp -d)}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

if [[ ${SMOKE:-0} == 1 ]]; then
    # The same command lines, tiny: proves they parse and run (CPU, a minute or two).
    # One thread: oneDNN's LSTM with two threads on a busy 2-core machine crawled (0.4 s a
    # forward of 16 x 20 tokens).
    device=cpu lm_epochs=${LM_EPOCHS:-1} ft_epochs=${FT_EPOCHS:-2}
    lm_timeout=${LM_TIMEOUT:-400} ft_timeout=${FT_TIMEOUT:-300}
    embedding=16 hidden=32 lm_batch=16
    lm_size=(--set data.max_documents=100 --set data.bptt=20 --set data.val_fraction=0.002
        --set train.warmup_steps=5 --threads 1)
    ft_size=(--set data.max_train=200 --set data.max_valid=50 --set data.max_test=100
        --set train.warmup_steps=5 --threads 1)
else
    device=cuda lm_epochs=${LM_EPOCHS:-3} ft_epochs=${FT_EPOCHS:-5}
    lm_timeout=${LM_TIMEOUT:-420} ft_timeout=${FT_TIMEOUT:-240}
    embedding=400 hidden=1024 lm_batch=128
    lm_size=(--set data.max_documents=0)
    ft_size=()
fi
extra() {  # "K=V K=V" -> --set K=V --set K=V
    local item
    for item in $1; do printf -- '--set\n%s\n' "$item"; done
}
mapfile -t lm_extra < <(extra "${LM_SETS:-}")
mapfile -t ft_extra < <(extra "${FT_SETS:-}")

{
    "$PYTHON" - "$device" <<'PY'
import sys, torch
device = sys.argv[1]
if device == "cuda" and not torch.cuda.is_available():
    raise SystemExit("gpu_imdb: no CUDA GPU visible to torch " + torch.__version__)
name = torch.cuda.get_device_name(0) if device == "cuda" else "CPU (SMOKE=1)"
cudnn = torch.backends.cudnn.version() if device == "cuda" else None
print(f"gpu_imdb: torch {torch.__version__}, {name}, cuDNN {cudnn}")
PY
    lm_run=$runs/lm-gpu
    ft_run=$runs/sentiment-gpu
    status=0
    start=$(date +%s)
    # --no-progress: the log gets one line an epoch, not a progress bar.
    timeout -k 60 "$lm_timeout" "$PYTHON" -m lstmlab --no-progress train lm --preset best \
        "${lm_size[@]}" \
        --set model.embedding_dim=$embedding --set model.hidden_size=$hidden \
        --set train.epochs=$lm_epochs --set train.batch_size=$lm_batch \
        --set train.eval_batch_size=$lm_batch \
        "${lm_extra[@]}" --device $device --out "$lm_run" || status=$?
    lm_wall=$(($(date +%s) - start))
    echo "gpu_imdb: lm exit status $status after $lm_wall s (124: stopped by timeout)"
    ft_status=0
    start=$(date +%s)
    [[ -f $lm_run/best.pt || -f $lm_run/last.pt ]] || { echo "gpu_imdb: no LM checkpoint"; exit 1; }
    timeout -k 60 "$ft_timeout" "$PYTHON" -m lstmlab --no-progress train sentiment \
        --preset pretrained "${ft_size[@]}" --set model.init_from="$lm_run" \
        --set model.embedding_dim=$embedding --set model.hidden_size=$hidden \
        --set train.epochs=$ft_epochs \
        "${ft_extra[@]}" --device $device --out "$ft_run" || ft_status=$?
    ft_wall=$(($(date +%s) - start))
    echo "gpu_imdb: sentiment exit status $ft_status after $ft_wall s (124: stopped by timeout)"
    "$PYTHON" - "$lm_run" "$ft_run" "$lm_wall" "$ft_wall" "$out" <<'PY'
import json, sys
from pathlib import Path

lm, ft, lm_wall, ft_wall, out = sys.argv[1:]


def read(run, name):
    path = Path(run) / name
    if not path.is_file():
        return None
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


lines = []
history = read(lm, "metrics.jsonl") or []
for r in history:
    lines.append(
        f"lm epoch {r['epoch']}: val perplexity {r.get('val_perplexity', float('nan')):.1f}, "
        f"{r['seconds']:.0f} s, {r.get('train_units_per_s', 0):,.0f} tokens/s"
    )
test = read(lm, "test_metrics.json")
lines.append(
    f"lm test perplexity {test['test_perplexity']:.1f} (best epoch {test['best_epoch']})"
    if test else "lm: no test_metrics.json (stopped before its end)"
)
lines.append(f"lm phase wall time {lm_wall} s (data preparation and evaluation included)")
for r in read(ft, "metrics.jsonl") or []:
    lines.append(
        f"sentiment epoch {r['epoch']}: val accuracy {r.get('val_acc', float('nan')):.4f}, "
        f"{r['seconds']:.0f} s"
    )
test = read(ft, "test_metrics.json")
lines.append(
    f"sentiment test accuracy {test['test_accuracy']:.4f} (best epoch {test['best_epoch']})"
    if test else "sentiment: no test_metrics.json (stopped before its end)"
)
lines.append(f"sentiment phase wall time {ft_wall} s")
text = "\n".join(lines) + "\n"
print(text, end="")
(Path(out) / "summary.txt").write_text(text)
for run, prefix in ((lm, "lm"), (ft, "sentiment")):
    for name in ("metrics.jsonl", "test_metrics.json", "config.json"):
        if (Path(run) / name).is_file():
            (Path(out) / f"{prefix}_{name}").write_text((Path(run) / name).read_text())
PY
    exit $((status || ft_status))
} 2>&1 | tee "$out/log.txt"
