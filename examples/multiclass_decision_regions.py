"""Multiclass softmax regression on 2-D synthetic data, with a decision-region plot.

Run:  python examples/multiclass_decision_regions.py [OUT.png]
(needs matplotlib: pip install "softmaxreg[plot]"). Writes decision_regions.png (or
OUT.png) with the class regions of the test points beside the loss curve of the fit.
"""

import sys

import matplotlib

matplotlib.use("Agg")  # write files; no window needed
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from softmaxreg import SoftmaxRegression, plot  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "decision_regions.png"

# four classes in the plane
X, y = make_blobs(
    n_samples=400, centers=[[-2, -2], [2, -2], [-2, 2], [2, 2]], cluster_std=1.3, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

records = []
model = SoftmaxRegression(alpha=1e-3, callback=records.append).fit(X_train, y_train)
print(f"classes: {model.classes_}, coef_ shape {model.coef_.shape}")
print(
    f"lbfgs: {model.n_iter_} iterations, objective {model.loss_curve_[-1]:.6f} "
    f"after {records[-1]['elapsed']:.3f} s"
)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
plot.decision_regions(model, X_test, y_test, ax=left)
plot.loss_curve(model, ax=right)
fig.tight_layout()
fig.savefig(out)
print(f"wrote {out}")
