"""BENCHMARKS.md is generated from the saved results, and any results file renders."""

import json

import pytest

# the lab's modules, beside this file
from report import PAGE, RESULTS, main, render
from results import check, load, save


def test_benchmarks_page_is_up_to_date():
    # regenerate with `python benchmarks/report.py` after adding or changing a results file
    assert PAGE.read_text(encoding="utf-8") == render(RESULTS)
    assert len(render(RESULTS).splitlines()) < 300


def test_every_results_file_follows_the_schema():
    paths = sorted(RESULTS.rglob("*.json"))  # archived runs included
    assert paths
    for path in paths:
        load(path)


def test_any_record_of_the_schema_renders(tmp_path):
    save(
        {
            "title": "Threads on a busy machine",
            "columns": ["n_jobs", "time (s)"],
            "rows": [[1, 0.5], ["None", None]],
            "notes": ["a | in a note"],
        },
        tmp_path / "threads.json",
    )
    save(
        {
            "title": "Another",
            "columns": ["a"],
            "rows": [["x|y"]],
            "order": 1,
            "machine": "elsewhere",
            "commit": "abc1234",
            "date": "2026-12-05",
            "command": "python benchmarks/other.py",
        },
        tmp_path / "other.json",
    )
    text = render(tmp_path)
    assert text.index("## Another") < text.index("## Threads on a busy machine")
    assert "| 1 | 0.5 |" in text and "| None |  |" in text and "x\\|y" in text
    assert "- a | in a note" in text and "python benchmarks/other.py" in text
    assert "Measured 2026-12-05, commit abc1234" in text
    out = tmp_path / "PAGE.md"
    assert main(["--results", str(tmp_path), "--output", str(out)]) == 0
    assert main(["--check", "--results", str(tmp_path), "--output", str(out)]) == 0
    out.write_text("stale")
    assert main(["--check", "--results", str(tmp_path), "--output", str(out)]) == 1


@pytest.mark.parametrize(
    "record, message",
    [
        ({"columns": [], "rows": []}, "missing title"),
        ({"title": "t", "columns": ["a", "b"], "rows": [[1]]}, "row 0 has 1 cells for 2 columns"),
        ({"title": "t", "columns": [], "rows": [], "notes": "one"}, "notes must be a list"),
    ],
)
def test_bad_records_are_refused(record, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        check(record)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match=message):
        load(path)
