"""The Python snippets of README.md's "Odds ratios, inference, diagnostics" section run as written."""

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Odds ratios, inference, diagnostics"


def section_snippets():
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_section_has_snippets():
    assert len(section_snippets()) == 5


def test_snippets_run_in_order(capsys):
    pytest.importorskip("pandas")
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # README examples must run without warnings
        for code in section_snippets():
            exec(compile(code, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert "odds ratio" in out and "accuracy" in out
    assert namespace["scores"].mean() > 0.9
