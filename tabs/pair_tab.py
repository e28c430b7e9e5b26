"""Sentence-pair classification (NLI, paraphrase, STS-B): two texts read together as one sequence.

The pair is encoded as [CLS] text [SEP] text_pair [SEP] (RoBERTa: <s> A </s></s> B </s>), with
token_type_ids 0 for the first segment and 1 for the second where the model has segment embeddings.
"""

from __future__ import annotations

import gradio as gr

from tabs.classify_tab import build_classifier

TITLE = "Sentence pairs"

# seed 004 (the Lincoln pair of BERT's next-sentence example, masks filled in; "Python" in two senses),
# seed 002 (the baguette law and its candidate endings)
EXAMPLES = [
    ["After Abraham Lincoln won the November 1860 presidential election on an anti-slavery platform, an initial "
     "seven slave states declared their secession from the country to form the Confederacy.",
     "War broke out in April 1861 when secessionist forces attacked Fort Sumter in South Carolina, just over a "
     "month after Lincoln's inauguration."],
    ["France has a bread law, Le Décret Pain, with strict rules on what is allowed in a traditional baguette.",
     "The law applies to baguettes."],
    ["France has a bread law, Le Décret Pain, with strict rules on what is allowed in a traditional baguette.",
     "The law does not apply to croissants and brioche."],
    ["He got bit by Python.", "Python is my favorite programming language."],
    ["A man is playing a guitar.", "A person plays an instrument."],
]


def build() -> None:
    gr.Markdown(
        "A **cross-encoder** reads both sentences at once: `[CLS] text [SEP] text_pair [SEP]`. BERT adds a "
        "*segment* embedding (`token_type_ids`: 0 for the first sentence, 1 for the second); RoBERTa has none and "
        "relies on the `</s></s>` separator. NLI models output contradiction / entailment / neutral (softmax); "
        "STS-B models output one similarity score (regression). Open *Encoded input* to see the pair as the model sees it."
    )
    build_classifier(("pair-classification",), pair=True, api_name="classify_pair", examples=EXAMPLES)
