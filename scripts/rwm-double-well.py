# SPDX-License-Identifier: GPL-3.0-or-later
# A sampler written outside this project: random-walk Metropolis on U = (x^2-1)^2 + y^2/2 in NumPy, 4 chains of
# 100 000 steps (step 1.0), every 5th state kept, written as CSV with a chain column for `langevin check --samples`.
# Usage: python rwm-double-well.py SEED OUT.csv BIAS   (BIAS > 0 samples at the wrong temperature 1 + BIAS)
import sys, numpy as np
seed, out, bias = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
r = np.random.default_rng(seed)
steps, thin, step = 100000, 5, 1.0
def U(x, y): return (x*x-1)**2 + y*y/2
x = np.array([1.0, -1.0, 1.0, -1.0]); y = np.zeros(4); u = U(x, y)
T = 1.0 + bias  # bias > 0 samples at the wrong temperature
rows = []
for t in range(1, steps+1):
    px = x + step*r.standard_normal(4); py = y + step*r.standard_normal(4)
    pu = U(px, py)
    acc = np.log(r.random(4)) < -(pu-u)/T
    x = np.where(acc, px, x); y = np.where(acc, py, y); u = np.where(acc, pu, u)
    if t % thin == 0: rows.append((x.copy(), y.copy()))
with open(out, 'w') as f:
    f.write('chain,x,y\n')
    for c in range(4):
        for (a, b) in rows: f.write(f'{c},{float(a[c])!r},{float(b[c])!r}\n')
