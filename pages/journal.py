from dashboard import journal_view, ui

ui.current_filters()
journal_view.render()
