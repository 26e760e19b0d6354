"""Saisie: one-record data entry for the datasets declared with a form (see dashboard.forms_view)."""

from dashboard import forms_view

forms_view.render()
