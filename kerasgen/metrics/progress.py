"""A progress bar on stderr for long measurements (feature extraction, -log p(x))."""

import sys
import time


class ProgressBar:
    """A minimal progress bar on stderr (stdout stays clean for `--json`)."""

    def __init__(self, total, description, enabled=True, width=30, unit="images"):
        self.total = total
        self.unit = unit
        self.description = description
        self.enabled = enabled
        self.width = width
        self.start = time.perf_counter()

    def update(self, count):
        if not self.enabled:
            return
        rate = count / max(time.perf_counter() - self.start, 1e-9)
        if self.total:
            filled = int(self.width * min(count, self.total) / self.total)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{self.description} [{bar}] {count}/{self.total}"
        else:
            text = f"{self.description} {count}"
        sys.stderr.write(f"\r{text} ({rate:.0f} {self.unit}/s)")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
