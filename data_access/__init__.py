"""Store access: models, engine, migrations, bundle export/import and SQL queries.

Nothing in this package imports Streamlit.
"""
