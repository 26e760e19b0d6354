"""The fictitious sample ("données fictives"): example partner files (``examples/``), map outlines
(``geo/``) and the generator of the sample store (``generator/``)."""
