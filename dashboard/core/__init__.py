"""The domain: the référentiel and its kinds, filters, indicator computation, verdicts, roll-up,
statistical secrecy, coverage and completeness. Pure Python over pandas frames read through
``data_access``; no Streamlit, no Plotly."""
