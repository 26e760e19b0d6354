"""Application services shared by the command line and the views: opening the store (created with
its reference data and the sample on first run), and the one import service (read, validate,
journal, preview, write) behind ``python -m dashboard import``, the import page and the forms."""
