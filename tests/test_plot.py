"""softmaxreg.plot under the Agg backend: PNG files written; a clear error without matplotlib."""

import builtins
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from softmaxreg import LogisticRegression, SoftmaxRegression

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from softmaxreg import plot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def save_png(ax, path):
    ax.figure.savefig(path)
    plt.close(ax.figure)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 2000
    return data


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=120, centers=[[0, 0], [3, 0], [0, 3]], random_state=0)
    labels = np.array(["a", "b", "c"])[y]
    return X, labels, SoftmaxRegression(alpha=1e-3).fit(X, labels)


def test_decision_regions(blobs, tmp_path):
    X, y, model = blobs
    ax = plot.decision_regions(model, X, y, resolution=50)
    assert ax.get_title() == "decision regions"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    # one filled-contour set and one scatter per class
    assert len(ax.collections) >= 4
    save_png(ax, tmp_path / "regions.png")


def test_decision_regions_on_given_axes_binary(tmp_path):
    X, y = make_blobs(n_samples=60, centers=2, random_state=1)
    model = LogisticRegression().fit(X, y)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    assert plot.decision_regions(model, X, y, ax=ax2) is ax2
    assert not ax1.collections
    save_png(ax2, tmp_path / "binary.png")


def test_decision_regions_needs_two_features(blobs):
    X, y, model = blobs
    with pytest.raises(ValueError, match="draws a 2-D feature space, but X has 3 columns"):
        plot.decision_regions(model, np.column_stack([X, X[:, 0]]), y)
    with pytest.raises(ValueError, match="one label per row"):
        plot.decision_regions(model, X, y[:-1])
    with pytest.raises(ValueError, match="resolution"):
        plot.decision_regions(model, X, y, resolution=1)


@pytest.mark.parametrize("solver", ["lbfgs", "saga"])
def test_loss_curve(blobs, solver, tmp_path):
    X, y, _ = blobs
    model = SoftmaxRegression(solver=solver, alpha=1e-2, random_state=0, max_iter=500).fit(X, y)
    ax = plot.loss_curve(model, kind="objective", log_scale=True)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, model.n_iter_ + 1))
    assert ax.get_xlabel() == ("iteration" if solver == "lbfgs" else "epoch")
    save_png(ax, tmp_path / "curve.png")
    ax = plot.loss_curve(model)  # the distance to the best recorded value, log scale
    gap = np.asarray(model.loss_curve_) - np.min(model.loss_curve_)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), np.where(gap > 0, gap, np.nan))
    assert ax.get_yscale() == "log" and ax.get_ylabel().startswith("objective - best")
    assert "did not converge" not in ax.get_title()


def test_loss_curve_names_what_ran_and_marks_non_convergence(blobs):
    X, y, _ = blobs
    model = SoftmaxRegression(alpha=1e-2).fit(X, y)  # solver="auto"
    ax = plot.loss_curve(model)
    assert model.solver_ == "lbfgs" and ax.get_xlabel() == "iteration"
    assert ax.get_legend().get_texts()[0].get_text() == "lbfgs"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        short = SoftmaxRegression(solver="saga", alpha=1e-2, max_iter=2, tol=0, random_state=0)
        short.fit(X, y)
    ax = plot.loss_curve(short)
    assert ax.get_xlabel() == "epoch" and "did not converge" in ax.get_title()
    assert ax.get_lines()[-1].get_marker() == "x"


def test_loss_curve_one_line_per_ovr_model(blobs, tmp_path):
    X, y, _ = blobs
    model = LogisticRegression(multi_class="ovr").fit(X, y)
    ax = plot.loss_curve(model)
    assert len(ax.get_lines()) == 3
    save_png(ax, tmp_path / "ovr.png")


def test_odds_ratios_forest_plot(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X[:, [0, 1, 4, 8]])
    model = LogisticRegression(C=np.inf, tol=1e-8, max_iter=1000).fit(X, y)
    ax = plot.odds_ratios(model, X, y)
    table = model.summary(X, y).to_dict()
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x0", "x1", "x2", "x3"]
    # the points are the odds ratios (top row first)
    points = ax.get_lines()[0].get_xdata()
    np.testing.assert_allclose(points, table["odds_ratio"][:4])
    save_png(ax, tmp_path / "forest.png")


def test_odds_ratios_multiclass_limits_rows(blobs, tmp_path):
    X, y, model = blobs
    ax = plot.odds_ratios(model, X, y, reference_class="a", max_terms=3, include_intercept=True)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 3 and all(label.split(":")[0] in ("b", "c") for label in labels)
    save_png(ax, tmp_path / "forest3.png")


def test_loss_curve_needs_a_fitted_model():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        plot.loss_curve(SoftmaxRegression())


def test_missing_matplotlib_names_the_extra(monkeypatch, blobs):
    X, y, model = blobs
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r'pip install "softmaxreg\[plot\]"'):
        plot.decision_regions(model, X, y)
    with pytest.raises(ImportError, match=r"softmaxreg\[plot\]"):
        plot.loss_curve(model)


def test_stochastic_loss_curve_quiet(tmp_path):
    X, y = make_blobs(n_samples=80, centers=3, random_state=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SoftmaxRegression(solver="sgd", alpha=1e-2, max_iter=5, random_state=0).fit(X, y)
    save_png(plot.loss_curve(model), tmp_path / "sgd.png")


def test_odds_ratios_of_a_pipeline_name_the_rows(tmp_path):
    pytest.importorskip("pandas")
    from sklearn.pipeline import make_pipeline

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, [0, 1, 4, 8]]
    pipe = make_pipeline(StandardScaler(), SoftmaxRegression(alpha=1e-3)).fit(X, y)
    ax = plot.odds_ratios(pipe, X, y)
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert set(X.columns) <= labels
    save_png(ax, tmp_path / "pipe.png")


def test_validation_curve_marks_the_chosen_C():
    from softmaxreg import SoftmaxRegressionCV
    from softmaxreg.plot import validation_curve

    X, y = make_blobs(n_samples=90, centers=3, cluster_std=3.0, random_state=0)
    model = SoftmaxRegressionCV(Cs=[0.01, 1.0, 100.0], cv=3).fit(X, y)
    ax = validation_curve(model)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [0.01, 1.0, 100.0])
    np.testing.assert_allclose(line.get_ydata(), model.scores_.mean(axis=0))
    assert ax.get_lines()[-1].get_xdata()[0] == model.C_
    assert ax.get_xscale() == "log" and "log-loss" in ax.get_ylabel()
    with pytest.raises(ValueError, match="cv_results_"):
        validation_curve(SoftmaxRegression().fit(X, y))
