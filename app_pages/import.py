from dashboard.views import imports as import_view
from dashboard.views import ui

ui.current_filters()
import_view.render()
