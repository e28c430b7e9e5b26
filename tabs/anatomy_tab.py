"""Anatomy: pick an architecture and a task class → its head layers and the loss per problem type.

Everything is computed from a tiny random config of the class (no download), the way the DistilBERT
table of the course notes on DistilBERT's task classes was made by reading the source.
"""

from __future__ import annotations

import gradio as gr

from demo import anatomy
from demo.errors import BadInput
from tabs import links
from tabs.common import code, escape, guard, raw_output

TITLE = "Anatomy"


def _table(results: list[dict]) -> str:
    lines = ["| class | problem type | head layers (forward order) | loss |", "|---|---|---|---|"]
    for r in results:
        for i, (problem, loss) in enumerate(r["losses"].items()):
            layers = "<br>".join(f"{code(h['name'])} {escape(h['shape'])}" for h in r["heads"][problem])
            cls = f"**{r['model_class']}**" if i == 0 else ""
            lines.append(f"| {cls} | {escape(problem)} | {layers} | `nn.{loss}` |")
    return "\n".join(lines)


def _classes_by_family() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for cls, (model_type, _head) in anatomy.anatomy_classes().items():
        out.setdefault(model_type, []).append(cls)
    return out


def _family_classes(fam: str) -> list[str]:
    """The family's task classes in the course notes' order: masked LM, causal LM, seq2seq, sequence
    classification, token classification, QA, multiple choice, next sentence (demo.heads.AUTO_MAPPING)."""
    classes = _classes_by_family().get(fam, [])
    if not classes:
        raise BadInput(f"No task classes for {fam!r}; pick an architecture from the list.")
    return classes


EXAMPLE_CLASSES = ["DistilBertForSequenceClassification", "DistilBertForMaskedLM", "BertForNextSentencePrediction",
                   "GPT2LMHeadModel", "T5ForConditionalGeneration"]


def family_of(model_class: str, current: str):
    """The architecture a picked class belongs to, when it is not the one shown (else leave it)."""
    fam = next((f for f, classes in _classes_by_family().items() if model_class in classes), None)
    return fam if fam is not None and fam != current else gr.skip()


def _family_table(fam: str) -> str:
    return _table([anatomy.anatomy(c) for c in _family_classes(fam)])


def build() -> None:
    gr.Markdown(
        "A **task class** = a base model + a small **head** + a **loss**. Pick a class: the app builds "
        "a tiny random copy (no download), lists the modules outside the base model in the order the "
        "forward pass calls them, and runs it with labels for each problem type to see which loss "
        "actually runs. Compare with the DistilBERT table of the course notes on DistilBERT's task classes."
    )
    families = list(anatomy.TINY_CONFIGS)  # every architecture the app can build a tiny copy of
    with gr.Row():
        family = gr.Dropdown(families, value="distilbert", label="architecture", scale=1)
        model_class = gr.Dropdown(
            [  # the course notes' DistilBERT classes (the list follows the architecture; listing it needs transformers)
                "DistilBertForMaskedLM",
                "DistilBertForSequenceClassification",
                "DistilBertForTokenClassification",
                "DistilBertForQuestionAnswering",
                "DistilBertForMultipleChoice",
            ],
            value="DistilBertForSequenceClassification",
            label="model_class",
            allow_custom_value=True,  # the examples name classes of other architectures; unknown ones get a message
            scale=2,
        )
        show = gr.Button("Show head and losses", variant="primary", scale=1)
    gr.Examples(
        [[c] for c in EXAMPLE_CLASSES], [model_class], example_labels=EXAMPLE_CLASSES,  # labels: a class of
        # another architecture is not among the dropdown's choices, and the chip would be blank without one
        label="Examples (the course notes' DistilBERT table, and the other tabs' heads)",
    )
    one = gr.Markdown()
    raw = raw_output()
    with gr.Accordion("Every task class of this architecture", open=True):
        overview = gr.Markdown()
    # runs on page load and when the architecture changes (never at start-up); not an API endpoint
    gr.on(None, guard(_family_table, lane=None), inputs=family, outputs=overview, api_visibility="private")

    @guard(lane=None)
    def pick_family(fam: str, current: str):
        classes = _family_classes(fam)
        return gr.Dropdown(choices=classes, value=current if current in classes else classes[0])

    @guard
    def show_class(model_class: str):
        result = anatomy.anatomy(model_class)
        return _table([result]), result

    family.change(pick_family, [family, model_class], model_class, api_visibility="private")
    # an example of another architecture (GPT-2, T5, BERT) switches the overview to that architecture
    model_class.change(guard(family_of, lane=None), [model_class, family], family, api_visibility="private")
    links.register("anatomy", show.click(show_class, model_class, [one, raw], api_name="anatomy"))
    model_class.change(show_class, model_class, [one, raw], api_visibility="private")  # picked, an example, a new architecture
