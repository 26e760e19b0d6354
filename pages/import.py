from dashboard import import_view, ui

ui.current_filters()
import_view.render()
