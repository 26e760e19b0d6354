"""Question 3 of the référentiel d'évaluation (layout driven by dashboard/referentiel.yaml)."""

from dashboard import ui
from dashboard.question_view import render_question

render_question("Q3", ui.current_filters())
