"""One module per tab; each exposes TITLE and build(). TABS is the order they appear in."""

from tabs import anatomy_tab, attention_tab, decoding_tab, embeddings_tab, masking_tab, models_tab, tasks_tab, tokenizer_tab, wordpiece_tab

# the path a course takes: tokens → embeddings → attention → task heads and losses → decoding
TABS = [tokenizer_tab, wordpiece_tab, masking_tab, embeddings_tab, attention_tab, tasks_tab, anatomy_tab,
        decoding_tab, models_tab]
