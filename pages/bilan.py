"""The annual bilan of a CME territory, with its exports (HTML, PDF, XLSX) and comments."""

from dashboard import ui
from dashboard.bilan_view import render_bilan

render_bilan(ui.current_filters())
