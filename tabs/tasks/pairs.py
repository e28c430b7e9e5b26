"""Sentence-pair classification (NLI, paraphrase, STS-B): two texts read together as one sequence.

The pair is encoded as [CLS] text [SEP] text_pair [SEP] (RoBERTa: <s> A </s></s> B </s>), with
token_type_ids 0 for the first segment and 1 for the second where the model has segment embeddings.
"""

from __future__ import annotations

import gradio as gr

from demo.course_texts import BAGUETTE_CHOICES, BAGUETTE_PROMPT, LINCOLN_A, LINCOLN_B, PYTHON_LANGUAGE, PYTHON_SNAKE
from demo.tasks import classification as engine
from tabs.tasks.classification import build_classifier

TITLE = "Sentence pairs"

# the course notes on BERT (embeddings, WordPiece, MLM, NSP): the Lincoln pair of BERT's next-sentence example,
# masks filled in, and "Python" in two senses; the course notes on pipelines, tasks and decoding: the baguette law
# and its candidate endings
EXAMPLES = [
    [LINCOLN_A, LINCOLN_B],
    [BAGUETTE_PROMPT, BAGUETTE_CHOICES[1]],
    [BAGUETTE_PROMPT, BAGUETTE_CHOICES[0]],
    [PYTHON_SNAKE, PYTHON_LANGUAGE],
    ["A man is playing a guitar.", "A person plays an instrument."],
]


def build() -> None:
    gr.Markdown(
        "A **cross-encoder** reads both sentences at once: `[CLS] text [SEP] text_pair [SEP]`. BERT adds a "
        "*segment* embedding (`token_type_ids`: 0 for the first sentence, 1 for the second); RoBERTa has none and "
        "relies on the `</s></s>` separator. NLI models output contradiction / entailment / neutral (softmax); "
        "STS-B models output one similarity score (regression). Open *Encoded input* to see the pair as the model sees it."
    )
    build_classifier((engine.PAIR_TASK,), pair=True, api_name="classify_pair", examples=EXAMPLES)
