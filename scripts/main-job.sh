#!/usr/bin/env bash
# The main job: a Boltzmann check of a toy potential, with its report (and, when the network work is built, the
# SGD-against-SGLD story on MNIST-5k). Usage: scripts/main-job.sh LANGEVIN_BIN OUT_DIR DATA_DIR
set -euo pipefail
BIN=${1:?path to the langevin executable}
OUT=${2:-out}
DATA=${3:-data}
mkdir -p "$OUT"

echo "== 1. Boltzmann check: MALA on the 2-D double well U = (x^2-1)^2 + y^2/2 at T = 1"
"$BIN" check --potential double-well --integrator mala --dt 0.05 --steps 200000 --burn-in 2000 --thin 10 \
    --chains 4 --seed 20261128 --format table | tee "$OUT/check-double-well.txt"
"$BIN" check --potential double-well --integrator mala --dt 0.05 --steps 200000 --burn-in 2000 --thin 10 \
    --chains 4 --seed 20261128 --format json > "$OUT/check-double-well.json"

echo
echo "== 2. The same potential with BAOAB, samples written as CSV"
"$BIN" sample --potential double-well --integrator baoab --dt 0.05 --steps 100000 --thin 10 --chains 4 \
    --seed 7 --output "$OUT/double-well-baoab.csv"

if [ -f "$DATA/mnist_5k.csv.gz" ]; then
    echo
    echo "== 3. SGD against SGLD on MNIST-5k (MLP 784-400-400-10), OOD against Fashion-MNIST"
    "$BIN" train --data mnist-5k --data-root "$DATA" --model mlp --sampler sgd --seed 1 --output "$OUT/mnist5k-sgd"
    "$BIN" train --data mnist-5k --data-root "$DATA" --model mlp --sampler sgld --seed 1 \
        --compare "$OUT/mnist5k-sgd" --output "$OUT/mnist5k-sgld"
else
    echo "(no $DATA/mnist_5k.csv.gz: run 'make data' for the network part)"
fi
echo
echo "Reports are in $OUT/"
