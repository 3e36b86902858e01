"""Saved benchmark results: one JSON file per measured table, the source of BENCHMARKS.md.

A results file is one JSON object. ``report.py`` renders any file of this schema, so a
new script only has to fill it in:

``title`` : str, required
    The table's heading.
``columns`` : list of str, required
``rows`` : list of lists, required
    One list per row, as long as ``columns``; numbers, strings or null (shown empty).
``problem`` : str
    What was measured: data, sizes, the objective's alpha.
``summary`` : str
    The one line a reader should take away (e.g. the best of each library).
``notes`` : list of str
    Caveats of this run: what the figures do not say.
``machine`` : str; ``versions`` : dict of name -> version
``commit`` : str; ``date`` : str (UTC)
``command`` : str
    The command that wrote the file, to measure again.
``order`` : number
    Where the table goes on the page (smaller first; 50 when absent, then by file name).

Dated runs are kept as files under ``benchmarks/results/``; the page shows what they hold.
"""

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REQUIRED = ("title", "columns", "rows")
REPO = Path(__file__).resolve().parents[1]


def check(record, name="record"):
    """Raise ValueError unless ``record`` follows the schema of the module docstring."""
    if not isinstance(record, dict):
        raise ValueError(f"{name}: a results file holds one JSON object")
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise ValueError(f"{name}: missing {', '.join(missing)}")
    width = len(record["columns"])
    for i, row in enumerate(record["rows"]):
        if len(row) != width:
            raise ValueError(f"{name}: row {i} has {len(row)} cells for {width} columns")
    notes = record.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise ValueError(f"{name}: notes must be a list of strings")
    return record


def load(path):
    """The record of one results file, checked."""
    path = Path(path)
    return check(json.loads(path.read_text(encoding="utf-8")), path.name)


def save(record, path):
    """Write ``record`` (checked) to ``path`` as JSON, one row a line; create its folder."""
    path = Path(path)
    check(record, path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = [
        f"  {json.dumps(key)}: {json.dumps(value)}"
        for key, value in record.items()
        if key != "rows"
    ]
    rows = ",\n".join(f"    {json.dumps(row)}" for row in record["rows"])
    fields.insert(list(record).index("rows"), f'  "rows": [\n{rows}\n  ]')
    # one row a line: a later run's diff shows which figures moved
    path.write_text("{\n" + ",\n".join(fields) + "\n}\n", encoding="utf-8")
    return path


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def machine():
    """CPU model, cores the process may use, memory and OS, as one line."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = _memory_gib()
    ram = f", {memory:.0f} GiB RAM" if memory else ""
    return f"{cores} cores ({_cpu_model()}){ram}, {platform.system()}"


def versions():
    """Versions of Python and of the libraries whose code the benchmarks time."""
    import numpy
    import scipy
    import sklearn

    import softmaxreg

    return {
        "Python": platform.python_version(),
        "NumPy": numpy.__version__,
        "SciPy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "softmaxreg": softmaxreg.__version__,
    }


def commit():
    """The checkout's commit (short hash, ``+changes`` when the tree differs), or None."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if dirty else "")


def environment(argv=None):
    """The fields every results file shares: machine, versions, commit, date, command."""
    argv = sys.argv if argv is None else argv
    script = Path(argv[0])
    try:
        script = script.resolve().relative_to(REPO)
    except ValueError:
        pass
    command = " ".join(["python", str(script), *argv[1:]])
    data = os.environ.get("SOFTMAXREG_DATA")
    if data:  # the corpora's folder differs between machines; the variable does not
        command = command.replace(data.rstrip("/"), '"$SOFTMAXREG_DATA"')
    return {
        "machine": machine(),
        "versions": versions(),
        "commit": commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": command,
    }
