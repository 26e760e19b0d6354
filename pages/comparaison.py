"""Territory comparison: maps, per-capita rates, ranking and trends (directors)."""

from dashboard import ui
from dashboard.comparison_view import render_comparison

render_comparison(ui.current_filters())
