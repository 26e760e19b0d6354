from dashboard import accounts_view, ui

ui.current_filters()
accounts_view.render()
