"""One module per tab; each exposes TITLE and build(). TABS is the order they appear in."""

from tabs import anatomy_tab, decoding_tab, models_tab, tasks_tab

TABS = [tasks_tab, decoding_tab, anatomy_tab, models_tab]
