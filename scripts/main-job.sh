#!/usr/bin/env bash
# The main job: a Boltzmann check of a toy potential, with its report, then the talk's story on MNIST-5k: one SGD
# network, a deep ensemble, and K SGLD chains, scored in and out of distribution and under rotation. Usage: scripts/main-job.sh LANGEVIN_BIN OUT_DIR DATA_DIR
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

# The network part's data and model: NET_DATA=fashion-mnist and/or NET_MODEL=cnn give the same story for
# Fashion-MNIST (OOD: MNIST-5k) or the talk's CNN (both take longer than the default MNIST-5k MLP).
NET_DATA=${NET_DATA:-mnist-5k}
NET_MODEL=${NET_MODEL:-mlp}
if [ "$NET_DATA" = "fashion-mnist" ]; then FIRST_OOD=mnist-5k; else FIRST_OOD=fashion-mnist; fi
TAG=$(echo "$NET_DATA" | tr -d -- '-')$( [ "$NET_MODEL" = mlp ] || echo "-$NET_MODEL")
if [ -f "$DATA/mnist_5k.csv.gz" ]; then
    # K chains, each its own SGD warm start (initial weights, data order and noise from (seed, chain)); the same K
    # SGD runs alone are the deep ensemble. All three predictives are scored on the test set, on the test set
    # rotated by 0..180 degrees, and against Fashion-MNIST, its negatives and uniform noise (the first OOD set is
    # the report's "ood").
    K=5
    TRAIN=("$BIN" train --data "$NET_DATA" --data-root "$DATA" --model "$NET_MODEL" --seed 1 --shift rotation
           --ood "$FIRST_OOD,negated,uniform-noise")
    echo
    echo "== 3. One SGD network, a deep ensemble of $K, and $K SGLD chains on $NET_DATA ($NET_MODEL)"
    "${TRAIN[@]}" --sampler sgd --output "$OUT/$TAG-sgd"
    "${TRAIN[@]}" --sampler sgd --chains $K --output "$OUT/$TAG-sgd-ensemble"
    "${TRAIN[@]}" --sampler sgld --chains $K \
        --compare "$OUT/$TAG-sgd,$OUT/$TAG-sgd-ensemble" --output "$OUT/$TAG-sgld"
    if command -v python3 >/dev/null; then
        python3 - "$OUT" "$TAG" "$FIRST_OOD" <<'PY'
import json, sys
out, tag, first_ood = sys.argv[1], sys.argv[2], sys.argv[3]
runs = [("one SGD network", f"{tag}-sgd"), ("SGD ensemble", f"{tag}-sgd-ensemble"), ("SGLD chains", f"{tag}-sgld")]
reports = {name: json.load(open(f"{out}/{folder}/report.json")) for name, folder in runs}
print()
print(f"{'':18s} {'accuracy':>9s} {'NLL':>7s} {'ECE':>7s} {'AUROC':>7s} {'OOD conf':>9s} {'ECE@30':>7s} {'ECE@60':>7s} {'NLL@60':>7s}")
for name, r in reports.items():
    shift = {p["angle"]: p for p in (r.get("shift") or {}).get("points", [])}
    ood = r.get("ood") or {}
    print(f"{name:18s} {r['test_accuracy']:9.4f} {r['test_nll']:7.4f} {r['test_ece']:7.4f} "
          f"{ood.get('auroc_entropy', float('nan')):7.4f} {ood.get('mean_confidence', float('nan')):9.3f} "
          f"{shift.get(30.0, {}).get('ece', float('nan')):7.3f} {shift.get(60.0, {}).get('ece', float('nan')):7.3f} "
          f"{shift.get(60.0, {}).get('nll', float('nan')):7.3f}")
s, e, g = (reports[n] for n, _ in runs)
print()
less = g["ood"]["mean_confidence"] < min(s["ood"]["mean_confidence"], e["ood"]["mean_confidence"])
better = g["test_nll"] <= e["test_nll"] and g["test_ece"] <= e["test_ece"]
print((f"What it means: on {first_ood}, which none of them has seen, the SGLD posterior is "
       + ("less sure of itself" if less else "NOT less sure of itself")
       + f" (mean confidence {g['ood']['mean_confidence']:.3f}, against {s['ood']['mean_confidence']:.3f} for one SGD"
       + f" network and {e['ood']['mean_confidence']:.3f} for the ensemble), and in distribution its NLL and ECE are "
       + ("no worse than the ensemble's" if better else "not both better than the ensemble's")
       + f"; figures in {out}/{tag}-sgld/ (confidence.png, shift.png). This is one seed: the claims over ten seeds,"
       + " with standard errors, are in Docs/Networks.md (make sweep)."))
PY
    fi
else
    echo "(no $DATA/mnist_5k.csv.gz: run 'make data' for the network part)"
fi
echo
echo "Reports are in $OUT/"
