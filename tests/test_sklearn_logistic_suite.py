"""scikit-learn's own tests of ``LogisticRegression`` and ``LogisticRegressionCV``, run on
softmaxreg's drop-ins.

The installed scikit-learn's ``sklearn/linear_model/tests/test_logistic.py`` is copied
with one change: ``LogisticRegression`` and ``LogisticRegressionCV`` are imported from
softmaxreg (everything else stays scikit-learn's). It runs in a subprocess with scikit-learn's
conftest as a plugin (its fixtures, e.g. ``global_random_seed``), and every test must
pass except those listed below, each with its reason. A new scikit-learn release thus
shows at once which of its tests the drop-in no longer passes.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sklearn

import softmaxreg

SUITE = Path(sklearn.__file__).parent / "linear_model" / "tests" / "test_logistic.py"
IMPORT = (
    "from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, SGDClassifier\n"
)
SWAPPED = (
    "from sklearn.linear_model import SGDClassifier\n"
    "from softmaxreg import LogisticRegression, LogisticRegressionCV\n"
)

# Out of scope by design, each with its reason (README, "Odds ratios, inference, diagnostics",
# the drop-in's paragraphs).
OUT_OF_SCOPE = {
    "test_logistic_cv_multinomial_score": "calls scikit-learn's private _log_reg_scoring_path",
    "test_logreg_predict_proba_multinomial": "calls scikit-learn's private _predict_proba_lr",
    "test_penalty_deprecated": "scikit-learn 1.8's FutureWarning: the drop-ins keep penalty",
    "test_l1_ratio_None_deprecated": "scikit-learn 1.8's FutureWarning: l1_ratio=None kept",
    "test_logisticregression_warns_with_n_jobs": "scikit-learn 1.8's FutureWarning: n_jobs "
    "sets softmaxreg's threads",
    "test_large_sparse_matrix[csr_matrix-sag]": "softmaxreg accepts int64-index CSR",
    "test_large_sparse_matrix[csr_array-sag]": "softmaxreg accepts int64-index CSR",
    "test_large_sparse_matrix[csr_matrix-saga]": "softmaxreg accepts int64-index CSR",
    "test_large_sparse_matrix[csr_array-saga]": "softmaxreg accepts int64-index CSR",
    "test_large_sparse_matrix[csr_matrix-liblinear]": "softmaxreg accepts int64-index CSR",
    "test_large_sparse_matrix[csr_array-liblinear]": "softmaxreg accepts int64-index CSR",
    "test_warm_start_newton_solver": "compares unconverged Newton iterates (run as lbfgs here)",
    "test_newton_cholesky_fallback_to_lbfgs": "counts the failed Newton step of scikit-learn's "
    "Newton-Cholesky in the budget of its lbfgs fallback (run as lbfgs here, no such step)",
}


def _listed(name, table):
    return name in table or name.split("[")[0] in table


def test_scikit_learn_logistic_suite(tmp_path):
    if not SUITE.is_file():
        pytest.skip(f"scikit-learn {sklearn.__version__} installed without its tests")
    source = SUITE.read_text()
    assert source.count(IMPORT) == 1, (
        f"scikit-learn {sklearn.__version__}'s test_logistic.py no longer imports "
        "LogisticRegression as this test expects; update IMPORT"
    )
    (tmp_path / "test_logistic.py").write_text(source.replace(IMPORT, SWAPPED))
    report = tmp_path / "report.xml"
    env = dict(os.environ)
    package_root = str(Path(softmaxreg.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "sklearn.conftest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-c",
        os.devnull,
        "--rootdir",
        str(tmp_path),
        f"--junitxml={report}",
        "test_logistic.py",
    ]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert report.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    passed, failed = [], []
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = {child.tag for child in case}
        if "skipped" in outcome:
            continue
        (failed if outcome & {"failure", "error"} else passed).append(case.get("name"))
    unexpected = [n for n in failed if not _listed(n, OUT_OF_SCOPE)]
    assert not unexpected, f"scikit-learn tests failing on the drop-in: {unexpected}"
    assert len(passed) > 200, f"only {len(passed)} tests passed:\n{done.stdout[-3000:]}"
