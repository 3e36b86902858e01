"""The ``softmaxreg`` console script, run as a user would."""

import re
import shutil
import subprocess
import sys

import pytest


def run(*args):
    exe = shutil.which("softmaxreg")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "softmaxreg._cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def test_help_lists_demo():
    result = run("--help")
    assert result.returncode == 0 and "demo" in result.stdout


def test_demo_matches_sklearn_objective():
    result = run("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for problem in ("sparse text-like", "dense digits (", "dense digits binary"):
        assert problem in out
    rows = re.findall(r"^((?:softmaxreg|scikit-learn) (?:lbfgs|sag))"
                      r"\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", out, flags=re.M)
    # sparse problem: lbfgs and sag rows; dense problems: lbfgs rows only
    assert [r[0] for r in rows] == ["softmaxreg lbfgs", "scikit-learn lbfgs", "softmaxreg sag",
                                    "scikit-learn sag"] + ["softmaxreg lbfgs",
                                                           "scikit-learn lbfgs"] * 2, out
    lbfgs_pairs = [rows[0:2], rows[4:6], rows[6:8]]
    for ours, theirs in lbfgs_pairs:
        assert float(ours[3]) == pytest.approx(float(theirs[3]), rel=1e-6)
        assert float(ours[2]) == pytest.approx(float(theirs[2]), abs=0.01)
    optimum = float(rows[1][3])
    for sag_row in rows[2:4]:
        assert float(sag_row[3]) == pytest.approx(optimum, rel=1e-5)


def test_unknown_command_fails():
    result = run("frobnicate")
    assert result.returncode != 0 and "invalid choice" in result.stderr
