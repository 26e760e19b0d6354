"""Saisie: one-record data entry for the datasets declared with a form (see dashboard.views.forms)."""

from dashboard.views import forms as forms_view

forms_view.render()
