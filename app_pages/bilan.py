"""The annual bilan of a CME territory, with its exports (HTML, PDF, XLSX) and comments."""

from dashboard.views import ui
from dashboard.views.bilan import render_bilan

render_bilan(ui.current_filters())
