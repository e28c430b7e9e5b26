"""One module per tab; each exposes TITLE and build(). TABS is the order they appear in."""

from tabs import anatomy_tab, models_tab

TABS = [models_tab, anatomy_tab]
