"""One module per tab; each exposes TITLE and build(). TABS is the order they appear in.

A tab with sub-tabs is a package (``tabs/tasks/``: the Tasks tab in its __init__, one module per sub-tab).
"""

from tabs import (
        anatomy_tab,
        attention_tab,
        decoding_tab,
        embeddings_tab,
        masking_tab,
        models_tab,
        tasks,
        tokenizer_tab,
        wordpiece_tab,
)

# the path a course takes: tokens → embeddings → attention → task heads and losses → decoding
TABS = [tokenizer_tab, wordpiece_tab, masking_tab, embeddings_tab, attention_tab, tasks, anatomy_tab,
        decoding_tab, models_tab]
