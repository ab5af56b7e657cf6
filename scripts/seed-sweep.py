#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Claims across seeds: runs a recipe over seeds 1..S and prints mean ± standard error and paired differences.

For each seed it runs two `langevin train` jobs on the same data:

  * `--sampler sgd  --chains K`  (the deep ensemble; its chain 1 is the single SGD network), and
  * `--sampler sgld --chains K`  (K-chain SGLD; its chain 1 is single-chain SGLD),

with `--shift rotation`, and reads the four predictives from the reports: single SGD and single-chain SGLD from
`per_chain[0]`, the ensemble and K-chain SGLD from the pooled report (and its `shift` points). It prints, for every
metric, the mean ± SE over seeds of each, and the paired differences (K-chain SGLD − ensemble, K-chain SGLD − single
SGD, ...) with their SE, marking those beyond 2 SE. Results go to OUT/sweep.json and OUT/sweep.md; finished runs
(a report.json present) are reused, so an interrupted sweep resumes where it stopped.

Usage: scripts/seed-sweep.py --bin .build/release/langevin --out out/sweep --seeds 1-10 [--chains 5]
           [--data mnist-5k] [--model mlp] [--sgld-args "--step-size 1e-5"] [--sgd-args ""]
"""
import argparse
import json
import math
import os
import shlex
import subprocess
import sys

METRICS = [("test_accuracy", "accuracy", +1), ("test_nll", "NLL", -1), ("test_ece", "ECE", -1),
           ("test_brier", "Brier", -1), ("auroc_entropy", "AUROC (entropy)", +1),
           ("mean_ood_confidence", "mean OOD confidence", -1)]


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds.extend(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    if not seeds or any(s < 0 for s in seeds):
        raise SystemExit(f"seed-sweep: bad --seeds '{text}'")
    return seeds


def run(args, sampler, seed, extra):
    folder = os.path.join(args.out, f"{sampler}-seed{seed}")
    report = os.path.join(folder, "report.json")
    if os.path.exists(report):
        print(f"seed-sweep: reusing {report}", file=sys.stderr)
    else:
        cmd = [args.bin, "train", "--data", args.data, "--data-root", args.data_root, "--model", args.model,
               "--sampler", sampler, "--chains", str(args.chains), "--seed", str(seed), "--shift", "rotation",
               "--output", folder] + shlex.split(extra)
        print("seed-sweep: " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
        r = subprocess.run(cmd)
        if r.returncode != 0:
            raise SystemExit(f"seed-sweep: {sampler} seed {seed} failed (exit {r.returncode}); see {folder}")
    with open(report) as f:
        return json.load(f)


def pooled(rep):
    ood = rep.get("ood") or {}
    return {"test_accuracy": rep["test_accuracy"], "test_nll": rep["test_nll"], "test_ece": rep["test_ece"],
            "test_brier": rep["test_brier"], "auroc_entropy": ood.get("auroc_entropy", math.nan),
            "mean_ood_confidence": ood.get("mean_confidence", math.nan)}


def first_chain(rep):
    c = rep["per_chain"][0] if rep.get("per_chain") else None
    if c is None:
        return pooled(rep)
    return {"test_accuracy": c["test_accuracy"], "test_nll": c["test_nll"], "test_ece": c["test_ece"],
            "test_brier": c["test_brier"], "auroc_entropy": c.get("auroc_entropy", math.nan),
            "mean_ood_confidence": c.get("mean_ood_confidence", math.nan)}


def mean_se(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    if not xs:
        return math.nan, math.nan
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, math.nan
    v = sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    return m, math.sqrt(v / len(xs))


def fmt(m, se, digits=4):
    if not math.isfinite(m):
        return "–"
    return f"{m:.{digits}f} ± {se:.{digits}f}" if math.isfinite(se) else f"{m:.{digits}f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=".build/release/langevin")
    p.add_argument("--out", default="out/sweep")
    p.add_argument("--seeds", default="1-10")
    p.add_argument("--chains", type=int, default=5)
    p.add_argument("--data", default="mnist-5k")
    p.add_argument("--data-root", default="data")
    p.add_argument("--model", default="mlp")
    p.add_argument("--sgld-args", default="", help="extra options for the SGLD runs (quoted)")
    p.add_argument("--sgd-args", default="", help="extra options for the SGD ensemble runs (quoted)")
    args = p.parse_args()
    if args.chains < 2:
        raise SystemExit("seed-sweep: --chains must be at least 2 (an ensemble and K-chain SGLD)")
    seeds = parse_seeds(args.seeds)
    os.makedirs(args.out, exist_ok=True)

    rows = {"single SGD": [], f"SGD ensemble ×{args.chains}": [], "single-chain SGLD": [],
            f"SGLD ×{args.chains} chains": []}
    names = list(rows)
    shift = {names[1]: [], names[3]: []}
    cpu = ""
    for seed in seeds:
        sgd = run(args, "sgd", seed, args.sgd_args)
        sgld = run(args, "sgld", seed, args.sgld_args)
        rows[names[0]].append(first_chain(sgd))
        rows[names[1]].append(pooled(sgd))
        rows[names[2]].append(first_chain(sgld))
        rows[names[3]].append(pooled(sgld))
        shift[names[1]].append({p["angle"]: p for p in (sgd.get("shift") or {}).get("points", [])})
        shift[names[3]].append({p["angle"]: p for p in (sgld.get("shift") or {}).get("points", [])})
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True)
                   .stdout.splitlines() if l.startswith("Model name"))
    except Exception:
        cpu = "unknown CPU"

    out = {"seeds": seeds, "chains": args.chains, "data": args.data, "model": args.model, "cpu": cpu,
           "sgld_args": args.sgld_args, "sgd_args": args.sgd_args, "per_seed": rows, "summary": {},
           "differences": {}, "shift": {}}
    md = [f"# Seed sweep: {args.data}, {args.model}, seeds {seeds[0]}…{seeds[-1]} ({len(seeds)}), K = {args.chains}",
          "", f"CPU: {cpu}. SGLD options: `{args.sgld_args or 'defaults'}`; SGD: `{args.sgd_args or 'defaults'}`.",
          "", "Mean ± standard error over seeds.", "",
          "| predictive | " + " | ".join(label for _, label, _ in METRICS) + " |",
          "|---" * (len(METRICS) + 1) + "|"]
    for name in names:
        cells = []
        for key, _, _ in METRICS:
            m, se = mean_se([r[key] for r in rows[name]])
            out["summary"].setdefault(name, {})[key] = {"mean": m, "se": se}
            cells.append(fmt(m, se))
        md.append(f"| {name} | " + " | ".join(cells) + " |")

    pairs = [(names[3], names[1]), (names[3], names[0]), (names[1], names[0]), (names[2], names[0])]
    md += ["", "Paired differences (same seed), mean ± SE; **bold**: beyond 2 SE in the better direction, "
           "_italic_: beyond 2 SE in the worse direction.", "",
           "| difference | " + " | ".join(label for _, label, _ in METRICS) + " |",
           "|---" * (len(METRICS) + 1) + "|"]
    for a, b in pairs:
        cells = []
        for key, _, better in METRICS:
            d = [x[key] - y[key] for x, y in zip(rows[a], rows[b])]
            m, se = mean_se(d)
            out["differences"].setdefault(f"{a} − {b}", {})[key] = {"mean": m, "se": se}
            text = fmt(m, se)
            if math.isfinite(se) and abs(m) > 2 * se:
                text = f"**{text}**" if m * better > 0 else f"_{text}_"
            cells.append(text)
        md.append(f"| {a} − {b} | " + " | ".join(cells) + " |")

    angles = sorted(set().union(*[set(s) for s in shift[names[1]] + shift[names[3]]])) if seeds else []
    if angles:
        md += ["", f"Rotation shift, {names[3]} − {names[1]} (paired, mean ± SE):", "",
               "| angle | ensemble ECE | SGLD ECE | Δ ECE | ensemble NLL | SGLD NLL | Δ NLL | Δ accuracy |",
               "|---|---|---|---|---|---|---|---|"]
        for angle in angles:
            row, entry = [f"{angle:g}°"], {}
            for key, better in [("ece", -1), ("nll", -1), ("accuracy", +1)]:
                e = [s.get(angle, {}).get(key, math.nan) for s in shift[names[1]]]
                g = [s.get(angle, {}).get(key, math.nan) for s in shift[names[3]]]
                me, see = mean_se(e)
                mg, seg = mean_se(g)
                md_ = mean_se([x - y for x, y in zip(g, e)])
                entry[key] = {"ensemble": [me, see], "sgld": [mg, seg], "difference": list(md_)}
                text = fmt(*md_)
                if math.isfinite(md_[1]) and abs(md_[0]) > 2 * md_[1]:
                    text = f"**{text}**" if md_[0] * better > 0 else f"_{text}_"
                row += ([fmt(me, see), fmt(mg, seg), text] if key != "accuracy" else [text])
            out["shift"][str(angle)] = entry
            md.append("| " + " | ".join(row) + " |")
    text = "\n".join(md) + "\n"
    with open(os.path.join(args.out, "sweep.json.tmp"), "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
    os.replace(os.path.join(args.out, "sweep.json.tmp"), os.path.join(args.out, "sweep.json"))
    with open(os.path.join(args.out, "sweep.md.tmp"), "w") as f:
        f.write(text)
    os.replace(os.path.join(args.out, "sweep.md.tmp"), os.path.join(args.out, "sweep.md"))
    print(text)


if __name__ == "__main__":
    main()
