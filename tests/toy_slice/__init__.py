"""A toy slice, plugged in the way a real one is: one folder (this one) plus one line in the
slice list. ``tests/test_slice_plugins.py`` proves nothing else needs editing."""
