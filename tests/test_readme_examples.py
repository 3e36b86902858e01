"""The Python snippets of README.md run as written (in order, without warnings)."""

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
    assert len(section_snippets()) == 6


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


def snippets_of(section):
    text = README.read_text(encoding="utf-8")
    start = text.index(section)
    end = text.index("\n## ", start + len(section))
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_model_file_and_plot_sections_run(tmp_path, monkeypatch, capsys):
    """The "Model files" and "Plots, progress and callbacks" snippets, in a scratch folder."""
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    model_files = snippets_of("### Model files")
    plots = snippets_of("## Plots, progress and callbacks")
    assert len(model_files) == 1 and len(plots) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(model_files[0], str(README), "exec"), {})
        namespace = {}
        for code in plots:
            exec(compile(code, str(README), "exec"), namespace)
    for name in ("iris_model.npz", "regions.png", "loss.png", "odds.png"):
        assert (tmp_path / name).stat().st_size > 1000
    model, history = namespace["model"], namespace["history"]
    assert model.n_iter_ == len(history) < 500  # stopped by the callback
    assert history[-2] - history[-1] < 1e-5
    n_iter, last = capsys.readouterr().out.split()
    assert int(n_iter) == model.n_iter_ and float(last) == pytest.approx(history[-1])


def test_cross_validation_section_runs():
    snippets = snippets_of("### Choosing alpha by cross-validation")  # then streaming's
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(snippets[0], str(README), "exec"), namespace)
    search, path = namespace["search"], namespace["path"]
    assert search.alpha_ in (1e-2, 1e-3, 1e-4)
    assert path.coefs.shape == (3, 20, 5000)
