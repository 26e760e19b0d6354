"""Home: the steering view, one tile per evaluative question."""

from dashboard import ui
from dashboard.home_view import render_home

render_home(ui.current_filters())
