"""Rhône-Alpes (Auvergne-Rhône-Alpes since 2016) against the other metropolitan regions."""

from dashboard import ui
from dashboard.comparison_view import render_regions

render_regions(ui.current_filters())
