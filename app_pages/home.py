"""Home: the steering view, one tile per evaluative question."""

from dashboard.views import ui
from dashboard.views.home import render_home

render_home(ui.current_filters())
