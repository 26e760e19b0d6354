"""Meeting mode: one question per screen (dashboard/views/meeting.py)."""

from dashboard.views import ui
from dashboard.views.meeting import render_meeting

render_meeting(ui.current_filters())
