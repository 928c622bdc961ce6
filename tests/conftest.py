"""Test settings shared by every test: headless Qt and a quiet, fast torch."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETCANVAS_SETTINGS_SCOPE", "tests")
