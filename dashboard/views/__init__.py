"""Everything that imports Streamlit: the shell (``ui``, ``auth``) and one module per page, called by
the thin scripts of ``app_pages/``. The only package of ``dashboard`` allowed to import Streamlit
(``tests/test_layers.py``)."""
