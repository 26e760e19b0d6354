from dashboard import completeness_view, ui

ui.current_filters()
completeness_view.render()
