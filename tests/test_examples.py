"""The scripts in examples/ run as a user would run them (MPLBACKEND=Agg, a fresh folder)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both examples, started together (each is a Python process)."""
    pytest.importorskip("matplotlib")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    procs = {}
    for name in ("multiclass_decision_regions", "binary_odds_ratios"):
        cwd = tmp_path_factory.mktemp(name)
        procs[name] = (
            cwd,
            subprocess.Popen(
                [sys.executable, str(EXAMPLES / f"{name}.py")],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    results = {}
    for name, (cwd, proc) in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results[name] = (cwd, out)
    return results


def test_multiclass_example_writes_decision_regions(runs):
    cwd, out = runs["multiclass_decision_regions"]
    assert "classes: [0 1 2 3], coef_ shape (4, 2)" in out
    assert float(re.search(r"test accuracy: ([\d.]+)", out).group(1)) > 0.8
    png = (cwd / "decision_regions.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000


def test_binary_example_prints_odds_ratios_like_statsmodels(runs):
    sm = pytest.importorskip("statsmodels.api")
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    cwd, out = runs["binary_odds_ratios"]
    printed = re.findall(
        r"^(mean \w+) +odds ratio +([\d.]+)  95% CI \[([\d.]+), ([\d.]+)\]", out, flags=re.M
    )
    assert [p[0] for p in printed] == [
        "mean radius",
        "mean texture",
        "mean smoothness",
        "mean symmetry",
    ]
    data = load_breast_cancer()
    X = StandardScaler().fit_transform(data.data[:, [0, 1, 4, 8]])
    ref = sm.Logit(data.target, sm.add_constant(X)).fit(disp=0)
    ci = np.exp(ref.conf_int()[1:])
    np.testing.assert_allclose([float(p[1]) for p in printed], np.exp(ref.params[1:]), atol=1e-3)
    np.testing.assert_allclose([[float(p[2]), float(p[3])] for p in printed], ci, atol=1e-3)
    assert "std err" in out and "P>|z|" in out
    png = (cwd / "odds_ratios.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000
