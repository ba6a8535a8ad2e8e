"""Headless Chromium for the tests that look at rendered pages (reports, the docs site).

One home for how Chromium is started: a fresh profile per call, no GPU, no sandbox
(tests may run as root), and none of the background connections this machine's
closed network refuses. Without ``/usr/bin/chromium`` a test is skipped, except under
``CI=true``, where it fails (``make chromium`` installs it).
"""

from __future__ import annotations

import os
import subprocess

import pytest

CHROMIUM = "/usr/bin/chromium"


def chromium(tmp_path, *args):
    """Run headless chromium on a fresh profile; return its stdout."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing under CI=true (make chromium installs it)")
        pytest.skip(f"{CHROMIUM} is missing (make chromium installs it)")
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
