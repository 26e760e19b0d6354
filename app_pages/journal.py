from dashboard.views import journal as journal_view
from dashboard.views import ui

ui.current_filters()
journal_view.render()
