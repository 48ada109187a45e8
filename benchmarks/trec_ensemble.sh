#!/usr/bin/env bash
# TREC-6 question classification as an ensemble of LSTM classifiers (issue #20): SEEDS runs of
# each recipe, then `lstmlab evaluate` of all of them (class probabilities averaged):
#   - `--preset trec`: a BiLSTM from random embeddings (vocabulary: the training questions);
#   - `--preset trec-lm`: ULMFiT-style fine-tuning from a forward language model LM_RUN
#     (`lstmlab train lm --preset best`, trained once; leave LM_RUN empty to skip this recipe)
#     and, with LM_RUN_BACKWARD, from a backward one (`--set data.reverse=true`) too.
# Without SCRATCH=0 the ensemble has the `trec` runs; with LM runs given, the fine-tuned runs
# alone are evaluated as an ensemble as well.
# Each seed also draws its own 10 % validation split, so the members differ in data as well.
# Every run is trained one after the other; the train seconds of each are printed at the end.
#
#   LSTMLAB_DATA=../shared/data LM_RUN=runs/<lm run> bash benchmarks/trec_ensemble.sh
#
# Knobs (environment): SEEDS ("0 1 2 3"), LM_RUN (""), LM_RUN_BACKWARD (""), SCRATCH (1),
# RUNS (run folders; default runs/trec-ensemble), THREADS (2), LSTMLAB (the command; default
# `lstmlab`), SETS (extra `K=V` settings for every run, e.g. "train.epochs=2" for a smoke test).
set -euo pipefail
seeds=${SEEDS:-0 1 2 3}
runs=${RUNS:-runs/trec-ensemble}
threads=${THREADS:-2}
lstmlab=${LSTMLAB:-lstmlab}
extra=()
for item in ${SETS:-}; do extra+=(--set "$item"); done
members=()
tuned=()
# train NAME PRESET [--set K=V ...]: one seed's run of a recipe, into $runs/NAME-s$seed.
train() {
  local name=$1 preset=$2
  shift 2
  $lstmlab --no-progress train classify --preset "$preset" --threads "$threads" "$@" \
    --set "train.seed=$seed" "${extra[@]}" --out "$runs/$name-s$seed"
}
for seed in $seeds; do
  if [[ "${SCRATCH:-1}" != 0 ]]; then
    train trec trec
    members+=("$runs/trec-s$seed")
  fi
  if [[ -n "${LM_RUN:-}" ]]; then
    train trec-lm trec-lm --set "model.init_from=$LM_RUN"
    tuned+=("$runs/trec-lm-s$seed")
  fi
  if [[ -n "${LM_RUN_BACKWARD:-}" ]]; then
    train trec-lm-bwd trec-lm --set "model.init_from=$LM_RUN_BACKWARD" --set data.reverse=true
    tuned+=("$runs/trec-lm-bwd-s$seed")
  fi
done
members+=("${tuned[@]}")
if [[ ${#tuned[@]} -gt 0 && ${#members[@]} -gt ${#tuned[@]} ]]; then
  echo "ensemble of the fine-tuned runs alone:"
  $lstmlab --no-progress evaluate "${tuned[@]}" --threads "$threads"
  echo "ensemble of all runs:"
fi
$lstmlab --no-progress evaluate "${members[@]}" --threads "$threads"
python3 - "${members[@]}" <<'PY'
import json, sys
total = 0.0
for run in sys.argv[1:]:
    m = json.load(open(f"{run}/test_metrics.json"))
    total += m["train_seconds"]
    print(f"{run}: test accuracy {m['test_accuracy']:.4f}, best validation "
          f"{m['best_val_accuracy']:.4f}, {m['train_seconds']:.0f} s of training")
print(f"training, all {len(sys.argv) - 1} runs: {total:.0f} s ({total / 60:.1f} min)")
PY
