"""Progress of a streaming pass: bytes read of the file's size, rows/s and the ETA.

On a terminal the line is redrawn in place (``\\r``) a few times a second, as a bar;
otherwise (a log file, a pipe) one line is printed every ``every`` seconds, so logs stay
readable.
"""

from __future__ import annotations

import sys
import time


def _size(n):
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} GB"  # pragma: no cover


class StreamProgress:
    """Call ``update(bytes_read, rows)`` as a pass goes; ``done()`` ends the pass's line.

    Parameters
    ----------
    total : int
        The file's size in bytes (compressed size for a .gz file: what is read).
    label : str
        Printed first, e.g. ``"pass 2/3"``.
    stream : file or None
        Default ``sys.stderr``; None output at all when ``enabled`` is False.
    every : float
        Seconds between lines when ``stream`` is not a terminal.
    """

    def __init__(self, total, label, stream=None, every=5.0, enabled=True):
        self.total = max(1, int(total))
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.every = 0.2 if self.tty else every
        self.start = time.monotonic()
        self.last = self.start
        self.printed = False

    def text(self, done, rows, now):
        elapsed = max(now - self.start, 1e-9)
        share = min(1.0, done / self.total)
        eta = elapsed * (1 - share) / share if share > 0 else float("inf")
        eta_text = f"{eta:.0f} s" if eta != float("inf") else "?"
        bar = ""
        if self.tty:
            filled = int(round(share * 20))
            bar = "[" + "#" * filled + "." * (20 - filled) + "] "
        return (
            f"softmaxreg: {self.label} {bar}{share:6.1%} of {_size(self.total)}, "
            f"{rows} rows, {rows / elapsed:,.0f} rows/s, {elapsed:.0f} s, ETA {eta_text}"
        )

    def update(self, done, rows):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        line = self.text(done, rows, now)
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.printed = True

    def done(self):
        if self.enabled and self.tty and self.printed:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
