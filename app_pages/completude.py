from dashboard.views import completeness as completeness_view
from dashboard.views import ui

ui.current_filters()
completeness_view.render()
