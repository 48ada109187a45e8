#!/bin/bash
# The median of 5 wall times of `python -m lstmlab ARGS`, sources from SRC (BENCHMARKS.md).
# usage: benchmarks/startup.sh SRC ARGS...
src=$1; shift
for i in 1 2 3 4 5; do
  s=$(date +%s.%N); PYTHONPATH=$src ${PYTHON:-python3} -m lstmlab "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | sort -n | sed -n 3p
