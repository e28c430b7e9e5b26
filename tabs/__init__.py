"""One module per tab; each exposes TITLE and build(). TABS is the order they appear in."""

from tabs import anatomy_tab, attention_tab, decoding_tab, embeddings_tab, masking_tab, models_tab, tasks_tab, tokenizer_tab, wordpiece_tab

TABS = [tasks_tab, decoding_tab, attention_tab, embeddings_tab, tokenizer_tab, wordpiece_tab, masking_tab, anatomy_tab, models_tab]
