"""Documents built from the référentiel and the store: the CME bilans (HTML, PDF, XLSX, with their
Jinja templates) and the generated tables of ``docs/``. No Streamlit."""
