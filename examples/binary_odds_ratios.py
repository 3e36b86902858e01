"""Binary logistic regression with odds ratios, standard errors and confidence intervals.

Run:  python examples/binary_odds_ratios.py [OUT.png]
Prints the coefficient table (estimate, standard error, z, p-value, 95% interval, odds
ratio with its interval) for four standardised breast-cancer features, and, when
matplotlib is installed, writes the odds ratios as a forest plot (odds_ratios.png).
"""

import sys

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from softmaxreg import LogisticRegression

data = load_breast_cancer()
columns = [0, 1, 4, 8]  # mean radius, texture, smoothness, symmetry
names = [str(data.feature_names[j]) for j in columns]
X = StandardScaler().fit_transform(data.data[:, columns])  # odds ratios per standard deviation
y = data.target  # 1 = benign

# C=np.inf: no penalty, so the standard errors are the classical maximum-likelihood ones
model = LogisticRegression(C=np.inf, tol=1e-8, max_iter=1000).fit(X, y)
table = model.summary(X, y)
print(table)
print()
rows = table.to_dict()
for name, ratio, low, high, p in zip(
    names,
    rows["odds_ratio"],
    rows["odds_ratio_ci_lower"],
    rows["odds_ratio_ci_upper"],
    rows["p_value"],
):
    print(f"{name:<16} odds ratio {ratio:7.3f}  95% CI [{low:.3f}, {high:.3f}]  p = {p:.2g}")

try:
    import matplotlib
except ImportError:
    print('(no plot: pip install "softmaxreg[plot]")')
else:
    matplotlib.use("Agg")
    from softmaxreg import plot

    out = sys.argv[1] if len(sys.argv) > 1 else "odds_ratios.png"
    ax = plot.odds_ratios(model, X, y)
    ax.set_yticklabels(names)
    ax.figure.tight_layout()
    ax.figure.savefig(out)
    print(f"wrote {out}")
