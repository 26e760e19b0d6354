"""Question 2 of the référentiel d'évaluation (layout driven by dashboard/core/referentiel.yaml)."""

from dashboard.views import ui
from dashboard.views.question import render_question

render_question("Q2", ui.current_filters())
