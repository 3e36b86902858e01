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
    rows = re.findall(r"^(softmaxreg SoftmaxRegression|scikit-learn LogisticRegression)"
                      r"\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", out, flags=re.M)
    assert len(rows) == 6, out
    for ours, theirs in zip(rows[0::2], rows[1::2]):
        assert ours[0].startswith("softmaxreg") and theirs[0].startswith("scikit-learn")
        f_ours, f_theirs = float(ours[3]), float(theirs[3])
        assert f_ours == pytest.approx(f_theirs, rel=1e-6)
        assert float(ours[2]) == pytest.approx(float(theirs[2]), abs=0.01)


def test_unknown_command_fails():
    result = run("frobnicate")
    assert result.returncode != 0 and "invalid choice" in result.stderr
