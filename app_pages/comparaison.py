"""Territory comparison: maps, per-capita rates, ranking and trends (directors)."""

from dashboard.views import ui
from dashboard.views.comparison import render_comparison

render_comparison(ui.current_filters())
