#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Size and power of `langevin check` on its own draws and of `check --samples` on the same draws written to CSV,
# and of `check --samples` on draws from a NumPy sampler (scripts/rwm-double-well.py). Long (about an hour on 2
# cores); the results are in Docs/Checks.md. Usage: scripts/check-size-power.sh LANGEVIN_BIN PYTHON_WITH_NUMPY OUTDIR
set -u
L=$1; PY=$2; OUT=$3; HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"; cd "$OUT"
: > size.txt; : > power.txt; : > python.txt
for s in $(seq 1 200); do   # MALA on the 2-D double well: a correct sampler
  "$L" check --potential double-well --integrator mala --dt 0.05 --steps 100000 --thin 10 --seed $s --output m.csv >/dev/null 2>&1; a=$?
  "$L" check --potential double-well --samples m.csv >/dev/null 2>&1; b=$?
  echo "$s $a $b" >> size.txt
done
for dt in 0.02 0.05 0.1 0.2; do for s in $(seq 1 25); do   # (the Docs figures: 25 seeds at 0.02, 0.05; 20 at 0.1, 0.2) Euler-Maruyama on U = x^2/2: variance 1/(1 - dt/2)
  "$L" check --potential harmonic --integrator euler-maruyama --dt $dt --steps 100000 --thin 10 --seed $s --output e.csv >/dev/null 2>&1; a=$?
  "$L" check --potential harmonic --samples e.csv >/dev/null 2>&1; b=$?
  echo "$dt $s $a $b" >> power.txt
done; done
for bias in 0 0.05; do for s in $(seq 1 60); do   # (Docs: 60 seeds unbiased, 20 biased)
  "$PY" "$HERE/rwm-double-well.py" $s p.csv $bias && "$L" check --potential double-well --samples p.csv >/dev/null 2>&1
  echo "$bias $s $?" >> python.txt
done; done
# Columns: size.txt seed, own-draws status, --samples status; power.txt dt, seed, both statuses; python.txt bias,
# seed, status (0 pass, 1 fail, 2 error).
