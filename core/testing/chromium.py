"""Debian's Chromium as every browser run launches it: the tests (core.testing.browser, conftest.py) and the
production-shape run (.ci/production.py, which imports no Django and so imports this module alone)."""

CHROMIUM = "/usr/bin/chromium"

# Chromium's own traffic (component updates, sync, QUIC probes) is pointless on a machine without internet and
# floods the log with refused connections, so every launch switches it off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
