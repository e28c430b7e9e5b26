"""One module per tab; each exposes TITLE and build(). TABS is the order they appear in."""

from tabs import models_tab

TABS = [models_tab]
