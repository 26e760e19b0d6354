from dashboard.views import accounts as accounts_view
from dashboard.views import ui

ui.current_filters()
accounts_view.render()
