"""softmaxreg.dask.DaskSoftmaxRegression on LocalClusters against the in-memory SoftmaxRegression.

Most tests share one module-scoped threaded cluster (2 workers, 1 thread each); the
pickling and worker-death tests share one cluster of 2 worker processes.
"""

import importlib
import os
import pickle
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import scipy.sparse as sp
from distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.utils.class_weight import compute_class_weight

from softmaxreg import SoftmaxRegression, make_text_classification, objective_value
from softmaxreg.dask import DaskSoftmaxRegression, WorkerLostError
from softmaxreg.dask import _objective as dask_objective

ALPHA = 1e-2
TOL = 1e-8  # the gradient max-norm; objective gaps stay far below 1e-8 relative
UNEVEN = (97, 150, 0, 3, 250)  # row blocks of X: uneven, one empty
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def process_client():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def make_problem(n_classes=3, container="csr", dtype=np.float64, n_samples=500, seed=0):
    """Small sparse text-like data with string labels, as CSR or dense."""
    X, y = make_text_classification(
        n_samples=n_samples,
        n_features=60,
        n_classes=n_classes,
        tokens_per_row=15,
        topic_words=8,
        dtype=dtype,
        random_state=seed,
    )
    labels = np.array([f"class-{v}" for v in y])
    return (X if container == "csr" else X.toarray()), labels


def objective(model, X, y, sample_weight=None, class_weight=None):
    """The objective of a fitted model, computed in memory (class weights folded in)."""
    sw = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    if class_weight is not None:
        cw = compute_class_weight(class_weight, classes=model.classes_, y=y, sample_weight=sw)
        sw = sw * cw[np.searchsorted(model.classes_, y)]
    return objective_value(
        model.coef_, model.intercept_, X, y, alpha=ALPHA, sample_weight=sw, classes=model.classes_
    )


def assert_same_optimum(dist, ref, X, y, sample_weight=None, class_weight=None):
    f_dist = objective(dist, X, y, sample_weight, class_weight)
    f_ref = objective(ref, X, y, sample_weight, class_weight)
    assert abs(f_dist - f_ref) <= 1e-8 * abs(f_ref)
    np.testing.assert_array_equal(dist.classes_, ref.classes_)
    assert dist.coef_.shape == ref.coef_.shape and dist.coef_.dtype == ref.coef_.dtype
    np.testing.assert_array_equal(dist.to_local().predict(X), ref.predict(X))


def to_dask(X, y, sample_weight=None, chunks=UNEVEN):
    Xd = da.from_array(X, chunks=(chunks, -1))
    yd = da.from_array(y, chunks=(chunks,))
    sd = None if sample_weight is None else da.from_array(sample_weight, chunks=(chunks,))
    return Xd, yd, sd


# --- the optimum ---------------------------------------------------------------------


@pytest.mark.parametrize("container", ["csr", "dense"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [3, 2])
def test_same_optimum_as_in_memory(client, container, dtype, n_classes):
    X, y = make_problem(n_classes, container, dtype)
    sw = np.random.default_rng(1).uniform(0.0, 3.0, size=X.shape[0])
    Xd, yd, sd = to_dask(X, y, sw)
    params = dict(alpha=ALPHA, tol=TOL, max_iter=1000)
    dist = DaskSoftmaxRegression(**params).fit(Xd, yd, sample_weight=sd)
    ref = SoftmaxRegression(**params).fit(X, y, sample_weight=sw)
    assert_same_optimum(dist, ref, X, y, sample_weight=sw)
    assert dist.coef_.dtype == dtype and dist.n_features_in_ == X.shape[1]
    np.testing.assert_allclose(dist.coef_, ref.coef_, rtol=0, atol=1e-4)


def test_column_chunks_in_memory_labels_and_no_intercept(client):
    X, y = make_problem(4, "dense")
    Xd = da.from_array(X, chunks=(120, 25))  # several column chunks: joined before the fit
    params = dict(alpha=ALPHA, tol=TOL, max_iter=1000, fit_intercept=False)
    dist = DaskSoftmaxRegression(**params).fit(Xd, y)  # y in memory: split like X
    ref = SoftmaxRegression(**params).fit(X, y)
    assert_same_optimum(dist, ref, X, y)
    np.testing.assert_array_equal(dist.intercept_, 0.0)


def test_row_blocks_of_unknown_size(client):
    """X and y built from delayed pieces whose lengths dask does not know: paired by block."""
    import dask

    X, y = make_problem(3, "csr")
    cuts = [0, 120, 300, 500]
    pieces = list(zip(cuts[:-1], cuts[1:]))
    Xd = da.concatenate(
        [
            da.from_delayed(
                dask.delayed(X[a:b]), shape=(np.nan, X.shape[1]), dtype=X.dtype, meta=X[:0]
            )
            for a, b in pieces
        ]
    )

    def labels(pieces):
        return da.concatenate(
            [
                da.from_delayed(dask.delayed(y[a:b]), shape=(np.nan,), dtype=y.dtype)
                for a, b in pieces
            ]
        )

    yd = labels(pieces)
    params = dict(alpha=ALPHA, tol=TOL, max_iter=1000)
    dist = DaskSoftmaxRegression(**params).fit(Xd, yd)
    ref = SoftmaxRegression(**params).fit(X, y)
    assert_same_optimum(dist, ref, X, y)
    np.testing.assert_array_equal(dist.predict(Xd).compute(), ref.predict(X))
    with pytest.raises(ValueError, match="unknown sizes"):
        dist.fit(Xd, y)
    y_short = labels([(0, 120), (120, 300), (300, 499)])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        dist.fit(Xd, y_short)  # found by the block's check on the worker


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_weight", ["balanced", {"class-0": 3.0, "class-2": 0.5}])
def test_class_weight_as_in_memory(client, class_weight, weighted):
    X, y = make_problem(3, "csr")
    y[:300][y[:300] == "class-1"] = "class-0"  # unbalanced classes
    # "balanced" counts the classes' total sample weights, block by block
    sw = np.where(y == "class-2", 3.0, 1.0) * np.linspace(0.5, 1.5, len(y)) if weighted else None
    Xd, yd, sd = to_dask(X, y, sw)
    params = dict(alpha=ALPHA, tol=TOL, max_iter=1000, class_weight=class_weight)
    dist = DaskSoftmaxRegression(**params).fit(Xd, yd, sample_weight=sd)
    ref = SoftmaxRegression(**params).fit(X, y, sample_weight=sw)
    assert_same_optimum(dist, ref, X, y, sample_weight=sw, class_weight=class_weight)


def test_warm_start_and_refit_keep_the_optimum(client):
    X, y = make_problem(3, "csr")
    Xd, yd, _ = to_dask(X, y)
    model = DaskSoftmaxRegression(alpha=ALPHA, tol=TOL, max_iter=1000, warm_start=True)
    model.fit(Xd, yd)
    first = model.n_iter_
    model.fit(Xd, yd)
    assert model.n_iter_ < first / 3
    ref = SoftmaxRegression(alpha=ALPHA, tol=TOL, max_iter=1000).fit(X, y)
    assert_same_optimum(model, ref, X, y)


def test_objective_is_the_in_memory_one(client):
    """One evaluation: value and gradient equal to Objective's, before any optimisation."""
    from softmaxreg._objective import Objective
    from softmaxreg.dask._collections import check_dask_X, row_blocks

    X, y = make_problem(3, "csr")
    sw = np.random.default_rng(2).uniform(0.5, 2.0, size=X.shape[0])
    classes, y_index = np.unique(y, return_inverse=True)
    Xd, dtype = check_dask_X(da.from_array(X, chunks=(UNEVEN, -1)))
    blocks, found, total = dask_objective.load_blocks(
        client, row_blocks(Xd, y, sw), X.shape[1], dtype, None
    )
    np.testing.assert_array_equal(found, classes)
    dist = dask_objective.DistributedObjective(client, blocks, 3, X.shape[1], ALPHA, True, total)
    local = Objective(X, y_index, sw, 3, ALPHA, 0.0, True)
    params = np.random.default_rng(3).normal(size=local.n_params + 3)
    f_dist, g_dist = dist.value_and_gradient(params)
    f_local, g_local = local.value_and_gradient(params)
    assert f_dist == pytest.approx(f_local, rel=1e-13)
    np.testing.assert_allclose(g_dist, g_local, rtol=1e-11, atol=1e-14)
    dist.close()


# --- prediction, to_local, pickling ----------------------------------------------------


@pytest.fixture(scope="module")
def fitted(client):
    X, y = make_problem(3, "csr")
    Xd, yd, _ = to_dask(X, y)
    return DaskSoftmaxRegression(alpha=ALPHA, tol=1e-6).fit(Xd, yd), X, Xd


def test_lazy_predictions_equal_the_local_model(fitted):
    model, X, Xd = fitted
    local = model.to_local()
    for method, shape in [
        ("predict", (X.shape[0],)),
        ("predict_proba", (X.shape[0], 3)),
        ("predict_log_proba", (X.shape[0], 3)),
        ("decision_function", (X.shape[0], 3)),
    ]:
        lazy = getattr(model, method)(Xd)
        assert isinstance(lazy, da.Array) and lazy.shape == shape
        assert lazy.chunks[0] == Xd.chunks[0]
        expected = getattr(local, method)(X)
        result = lazy.compute()
        assert result.dtype == lazy.dtype == expected.dtype
        np.testing.assert_array_equal(result, expected)
        # in-memory input is predicted in memory
        np.testing.assert_array_equal(getattr(model, method)(X), expected)


def test_binary_decision_function_is_1d(client):
    X, y = make_problem(2, "dense", np.float32)
    Xd, yd, _ = to_dask(X, y)
    model = DaskSoftmaxRegression(alpha=ALPHA).fit(Xd, yd)
    scores = model.decision_function(Xd)
    assert scores.ndim == 1 and scores.dtype == np.float32
    # float32 BLAS sums may round differently on a block than on the whole X
    np.testing.assert_allclose(
        scores.compute(), model.to_local().decision_function(X), rtol=1e-6, atol=1e-6
    )
    assert model.predict_proba(Xd).compute().shape == (X.shape[0], 2)


def test_to_local_is_a_fitted_softmax_regression(fitted):
    model, X, _ = fitted
    local = model.to_local()
    assert type(local) is SoftmaxRegression
    assert local.get_params()["alpha"] == model.alpha and local.solver == "lbfgs"
    for name in ("classes_", "coef_", "intercept_", "n_iter_", "n_features_in_"):
        np.testing.assert_array_equal(getattr(local, name), getattr(model, name))
    local.coef_[0, 0] += 1.0  # a copy: the distributed model is untouched
    assert local.coef_[0, 0] != model.coef_[0, 0]
    assert local.odds_ratios_.shape == model.coef_.shape


def test_pickle_and_clone(fitted):
    model, X, Xd = fitted
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(Xd).compute(), model.predict(X))
    assert clone(model).get_params() == model.get_params()


# --- invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(l1_ratio=0.5), "only the L2 penalty"),
        (dict(solver="saga"), "only solver='lbfgs'"),
        (dict(alpha=-1.0), "alpha must be >= 0"),
        (dict(max_iter=0), "max_iter must be >= 1"),
        (dict(class_weight="often"), "class_weight must be"),
    ],
)
def test_invalid_parameters(client, params, match):
    X, y = make_problem(3, "csr", n_samples=50)
    Xd, yd, _ = to_dask(X, y, chunks=25)
    with pytest.raises(ValueError, match=match):
        DaskSoftmaxRegression(**params).fit(Xd, yd)


def test_invalid_data(client):
    X, y = make_problem(3, "dense", n_samples=60)
    Xd, yd, _ = to_dask(X, y, chunks=20)
    model = DaskSoftmaxRegression()
    with pytest.raises(TypeError, match="X must be a dask array"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="cannot be paired"):
        model.fit(Xd, da.from_array(y[:50], chunks=25))
    with pytest.raises(ValueError, match="one entry per row"):
        model.fit(Xd, y[:50])
    X_nan = X.copy()
    X_nan[45, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):  # raised by the block's check on a worker
        model.fit(da.from_array(X_nan, chunks=(20, -1)), yd)
    with pytest.raises(ValueError, match="only one class"):
        model.fit(Xd, da.from_array(np.full(60, "a"), chunks=20))
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(Xd, da.from_array(np.linspace(0, 1, 60), chunks=20))
    with pytest.raises(ValueError, match="non-negative"):
        model.fit(Xd, yd, sample_weight=da.from_array(-np.ones(60), chunks=20))
    with pytest.raises(ValueError, match="sums to zero"):
        model.fit(Xd, yd, sample_weight=np.zeros(60))
    assert not hasattr(model, "coef_")  # failed fits leave no model behind


def test_failed_fit_leaves_the_fitted_model(fitted):
    model, X, Xd = fitted
    model = pickle.loads(pickle.dumps(model))
    coef = model.coef_.copy()
    y_bad = da.from_array(np.full(X.shape[0], "only"), chunks=(UNEVEN,))
    with pytest.raises(ValueError, match="only one class"):
        model.fit(Xd, y_bad)
    np.testing.assert_array_equal(model.coef_, coef)


def test_prediction_checks_features(fitted):
    model, X, _ = fitted
    with pytest.raises(ValueError, match="features, but the model was fitted with"):
        model.predict(da.from_array(X[:, :10], chunks=(100, -1)))


def test_caller_arrays_unchanged(client):
    X, y = make_problem(3, "csr", np.float32, n_samples=100)
    sw = np.linspace(0.5, 1.5, 100)
    copies = (X.copy(), y.copy(), sw.copy())
    DaskSoftmaxRegression(class_weight="balanced").fit(*to_dask(X, y, sw, chunks=30))
    for before, after in zip(copies, (X, y, sw)):
        assert before.dtype == after.dtype
        np.testing.assert_array_equal(
            sp.csr_matrix(before).toarray() if sp.issparse(before) else before,
            sp.csr_matrix(after).toarray() if sp.issparse(after) else after,
        )


# --- worker processes: pickling, and a worker killed mid-fit -----------------------------


# Tasks cost more on processes: a looser tol (still 1e-8 in the objective), fewer iterations.
PROCESS_PARAMS = dict(alpha=ALPHA, tol=1e-7, max_iter=1000)


def test_worker_processes_same_optimum(process_client):
    X, y = make_problem(3, "csr")
    sw = np.random.default_rng(4).uniform(0.0, 2.0, size=X.shape[0])
    Xd, yd, sd = to_dask(X, y, sw)
    params = PROCESS_PARAMS
    dist = DaskSoftmaxRegression(**params).fit(Xd, yd, sample_weight=sd)
    ref = SoftmaxRegression(**params).fit(X, y, sample_weight=sw)
    assert_same_optimum(dist, ref, X, y, sample_weight=sw)
    np.testing.assert_array_equal(dist.predict(Xd).compute(), ref.predict(X))


def kill_at_third_evaluation(monkeypatch, client, pick_victim):
    """Make the third loss/gradient evaluation of a fit SIGKILL one worker process first."""
    evaluate = dask_objective.DistributedObjective.loss_sum_and_gradient
    calls = []

    def evaluate_and_kill(self, params):
        calls.append(1)
        if len(calls) == 3:
            pids = client.run(os.getpid)
            os.kill(pids[pick_victim(self)], signal.SIGKILL)
        return evaluate(self, params)

    monkeypatch.setattr(
        dask_objective.DistributedObjective, "loss_sum_and_gradient", evaluate_and_kill
    )
    return calls


def test_worker_killed_mid_fit_recomputes_the_same_optimum(process_client, monkeypatch):
    """X from a dask graph: Dask rebuilds the blocks the dead worker held, same optimum."""
    X, y = make_problem(3, "dense")
    Xd, yd, _ = to_dask(X, y)

    def holder_of_first_block(objective):
        return next(iter(process_client.who_has(objective.blocks)[objective.blocks[0].key]))

    calls = kill_at_third_evaluation(monkeypatch, process_client, holder_of_first_block)
    model = DaskSoftmaxRegression(**PROCESS_PARAMS).fit(Xd, yd)
    assert len(calls) > 3
    ref = SoftmaxRegression(**PROCESS_PARAMS).fit(X, y)
    assert_same_optimum(model, ref, X, y)
    process_client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


def test_worker_killed_with_unrecoverable_data_raises(process_client, monkeypatch):
    """X scattered (no graph to rebuild it) onto the worker that dies: a clear error, and
    the fitted model from before stays as it was."""
    X, y = make_problem(3, "dense", n_samples=200)
    victim = sorted(process_client.scheduler_info()["workers"])[0]
    sources = process_client.scatter([X[i : i + 50] for i in range(0, 200, 50)], workers=[victim])
    Xd = da.concatenate(
        [da.from_delayed(f, shape=(50, X.shape[1]), dtype=X.dtype) for f in sources]
    )
    yd = da.from_array(y, chunks=50)
    model = DaskSoftmaxRegression(alpha=ALPHA, tol=1e-3).fit(Xd, yd)
    coef = model.coef_.copy()
    calls = kill_at_third_evaluation(monkeypatch, process_client, lambda objective: victim)
    with pytest.raises(WorkerLostError, match="no model is made from a partial gradient"):
        model.set_params(alpha=2 * ALPHA).fit(Xd, yd)
    assert len(calls) == 3
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.alpha == 2 * ALPHA  # parameters are the caller's; only the fit is undone
    del sources, Xd
    process_client.wait_for_workers(2, timeout=60)


# --- packaging and the README ----------------------------------------------------------


def test_import_softmaxreg_does_not_import_dask():
    code = "import sys, softmaxreg; print('dask' in sys.modules, 'distributed' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_without_dask_the_import_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "softmaxreg.dask")
    with pytest.raises(ImportError, match=re.escape('pip install "softmaxreg[dask]"')):
        importlib.import_module("softmaxreg.dask")


def test_readme_dask_section_runs(capsys):
    text = README.read_text(encoding="utf-8")
    start = text.index("## Distributed training (Dask)")
    end = text.index("\n## ", start + 1)
    snippets = re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)
    assert len(snippets) == 1
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # README examples must run without warnings
        exec(compile(snippets[0], str(README), "exec"), namespace)
    assert isinstance(namespace["local"], SoftmaxRegression)
    assert "accuracy" in capsys.readouterr().out
