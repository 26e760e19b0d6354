"""Turning results into things to look at: Plotly figures, maps, tables and French number and date
formats. Reads ``dashboard.core`` results; no Streamlit."""
