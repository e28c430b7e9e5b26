"""Token classification: equal to transformers' pipeline("token-classification") for every aggregation strategy."""

from __future__ import annotations

import warnings

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import models
from demo.course_texts import SYLVAIN, WARRIORS
from demo.errors import BadInput, WrongTask
from demo.tasks import token_classification
from markers import not_prefetched

TEXTS = [SYLVAIN, WARRIORS, "Abraham Lincoln was the sixteenth president of the United States."]
MODELS = ["tiny-bert-ner", "tiny-bert", "tiny-distilbert", "tiny-roberta"]


def pipeline_entities(name: str, text: str, aggregation: str) -> list[dict]:
    """transformers' own pipeline on the same loaded model, in our key names (entity_group → entity)."""
    from transformers import pipeline

    loaded = models.load(name, "token-classification")
    pipe = pipeline("token-classification", model=loaded.model, tokenizer=loaded.tokenizer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Tokenizer does not support real words" on byte-level BPE
        found = pipe(text, aggregation_strategy=aggregation)
    return [
        {"entity": e.get("entity", e.get("entity_group")), "score": pytest.approx(float(e["score"]), abs=1e-6),
         "word": e["word"], "start": e["start"], "end": e["end"], **({"index": e["index"]} if "index" in e else {})}
        for e in found
    ]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("aggregation", token_classification.AGGREGATIONS)
def test_equals_the_transformers_pipeline(name, aggregation):
    for text in TEXTS:
        ours = token_classification.run(name, text, aggregation)["entities"]
        assert ours == pipeline_entities(name, text, aggregation), (name, aggregation, text)


def test_ner_labels_and_offsets_point_into_the_text():
    r = token_classification.run("tiny-bert-ner", SYLVAIN, "none")
    assert r["labels"][:3] == ["O", "B-PER", "I-PER"]
    assert all(e["entity"] != "O" for e in r["entities"])  # "O" is left out, as in the pipeline
    for e in r["entities"]:
        assert e["word"].lstrip("#") == SYLVAIN[e["start"]:e["end"]].lower()


def test_sub_words_are_grouped_into_words():
    r = token_classification.run("tiny-bert-ner", SYLVAIN, "first")
    assert r["words"] == ["My", "name", "is", "Sylvain", "and", "I", "work", "at", "Hugging", "Face", "in",
                          "Brooklyn", "."]
    sylvain = [t for t in r["tokens"] if t["word_id"] == 3]
    assert len(sylvain) > 1 and not sylvain[0]["is_subword"] and all(t["is_subword"] for t in sylvain[1:])
    assert all(t["token"].startswith("##") for t in sylvain[1:])
    # first / average / max never split a word: every entity starts and ends on word boundaries
    starts = {min(t["start"] for t in r["tokens"] if t["word_id"] == w) for w in range(len(r["words"]))}
    ends = {max(t["end"] for t in r["tokens"] if t["word_id"] == w) for w in range(len(r["words"]))}
    for strategy in ("first", "average", "max"):
        for e in token_classification.run("tiny-bert-ner", SYLVAIN, strategy)["entities"]:
            assert e["start"] in starts and e["end"] in ends, (strategy, e)


def test_loss_uses_minus_100_for_special_tokens_and_later_sub_words():
    words = token_classification.words("tiny-bert-ner", SYLVAIN)
    tags = ["O", "O", "O", "B-PER", "O", "O", "O", "O", "B-ORG", "I-ORG", "O", "B-LOC", "O"]
    assert len(words) == len(tags)
    ran = token_classification.loss("tiny-bert-ner", SYLVAIN, " ".join(tags))
    assert ran["labels"][0] == -100 and ran["labels"][-1] == -100  # [CLS], [SEP]
    sylvain_tokens = [i for i, t in enumerate(ran["tokens"]) if t in ("s", "##y", "##l", "##v", "##a", "##in")]
    assert ran["labels"][sylvain_tokens[0]] == 1 and all(ran["labels"][i] == -100 for i in sylvain_tokens[1:])
    loaded = models.load("tiny-bert-ner", "token-classification")
    enc = loaded.tokenizer(SYLVAIN, return_tensors="pt")
    with torch.no_grad():
        logits = loaded.model(**enc).logits[0]
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(ran["labels"]), ignore_index=-100)
    assert ran["loss_function"] == ["CrossEntropyLoss"]
    assert ran["loss"] == pytest.approx(float(expected), abs=1e-5)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: token_classification.run("tiny-bert-ner", "", "simple"), BadInput, "empty"),
        (lambda: token_classification.run("tiny-bert-ner", "x", "longest"), BadInput,
         "none, simple, first, average, max"),
        (lambda: token_classification.run("tiny-gpt2", "x", "simple"), WrongTask, "token-classification"),
        (lambda: token_classification.loss("tiny-bert-ner", SYLVAIN, "O O"), BadInput,
         "13 words"),
        (lambda: token_classification.loss("tiny-bert-ner", "Hi there", "O B-FOOD"), BadInput,
         "Unknown label 'B-FOOD'"),
    ],
)
def test_bad_input_says_what_to_do(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_long_text_is_truncated_with_a_notice():
    r = token_classification.run("tiny-bert-ner", "Hugging Face is in New York City. " * 60, "simple")
    assert r["truncation_notice"] and "cut off" in r["truncation_notice"]
    assert max(t["index"] for t in r["tokens"]) == 254  # 256 tokens: [CLS] + 254 + [SEP]


def test_token_classify_endpoint(client):
    out = client.predict("tiny-bert-ner", WARRIORS, "first", api_name="/token_classify")
    raw = out[-1]
    assert raw["aggregation"] == "first"
    assert raw["entities"] == token_classification.run("tiny-bert-ner", WARRIORS, "first")["entities"]
    assert set(raw["entities"][0]) >= {"word", "entity", "score", "start", "end"}
    assert "BertForTokenClassification" in out[-4]
    *_, by_name = client.predict(model="tiny-bert-ner", text=WARRIORS, aggregation="none", api_name="/token_classify")
    assert by_name["aggregation"] == "none" and "index" in by_name["entities"][0]


@not_prefetched("bert-base-NER")
def test_a_model_not_on_this_machine_names_the_prefetch_command(client):
    with pytest.raises(AppError, match=r"python -m demo\.prefetch bert-base-NER"):
        client.predict("bert-base-NER", WARRIORS, "simple", api_name="/token_classify")


def test_token_classify_errors_through_the_client(client):
    with pytest.raises(AppError, match="empty"):
        client.predict("tiny-bert-ner", "  ", "simple", api_name="/token_classify")
    with pytest.raises(AppError, match="one label per word|13 words"):
        client.predict("tiny-bert-ner", SYLVAIN, "O O", api_name="/token_classify_loss")
