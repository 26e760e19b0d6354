"""Rhône-Alpes (Auvergne-Rhône-Alpes since 2016) against the other metropolitan regions."""

from dashboard.views import ui
from dashboard.views.comparison import render_regions

render_regions(ui.current_filters())
