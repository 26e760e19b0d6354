"""Measuring tools behind ``python -m dashboard bench`` and ``python -m dashboard load``; not used by
the app."""
