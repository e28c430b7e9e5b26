"""Text and sentence-pair classification: scores equal a direct softmax / sigmoid / raw logit of the model."""

from __future__ import annotations

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import registry
from demo.course_texts import I_LOVE_NLP, PYTHON_LANGUAGE, PYTHON_SNAKE, WAITING
from demo.errors import BadInput, WrongTask
from demo.tasks import classification
from markers import not_prefetched

TEXT = WAITING


def direct_logits(name: str, text: str, text_pair: str | None = None) -> tuple[torch.Tensor, object]:
    """The model's logits computed here, from the files, without the app's code."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = registry.get(name).local_path
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    with torch.no_grad():
        logits = model(**tok(text, text_pair, return_tensors="pt")).logits[0]
    return logits, model.config


def as_dict(scores: list[dict]) -> dict:
    return {s["label"]: s["score"] for s in scores}


def test_single_label_is_the_softmax_of_the_logits():
    r = classification.run("tiny-distilbert-sentiment", TEXT)
    logits, config = direct_logits("tiny-distilbert-sentiment", TEXT)
    probs = torch.softmax(logits, -1)
    assert r["model_class"] == "DistilBertForSequenceClassification"
    assert r["problem_type"] == "single_label_classification" and r["activation"] == "softmax"
    assert as_dict(r["scores"]) == pytest.approx({config.id2label[i]: float(p) for i, p in enumerate(probs)}, abs=1e-6)
    assert r["predicted"] == config.id2label[int(probs.argmax())]
    assert r["scores"][0]["score"] >= r["scores"][1]["score"]  # best first
    assert r["logits"] == pytest.approx(logits.tolist(), abs=1e-6)
    assert r["newly_initialized"] == []


def test_multi_label_is_a_sigmoid_per_label_with_threshold():
    r = classification.run("tiny-bert-multilabel", TEXT, threshold=0.5)
    logits, config = direct_logits("tiny-bert-multilabel", TEXT)
    probs = torch.sigmoid(logits)
    assert r["problem_type"] == "multi_label_classification" and r["activation"] == "sigmoid"
    assert as_dict(r["scores"]) == pytest.approx({config.id2label[i]: float(p) for i, p in enumerate(probs)}, abs=1e-6)
    assert sum(s["score"] for s in r["scores"]) != pytest.approx(1.0)  # independent, not a distribution
    assert set(r["predicted"]) == {config.id2label[i] for i, p in enumerate(probs) if p >= 0.5}
    middle = sorted(float(p) for p in probs)[1]  # a threshold between the scores picks the labels above it
    r2 = classification.run("tiny-bert-multilabel", TEXT, threshold=middle)
    assert set(r2["predicted"]) == {config.id2label[i] for i, p in enumerate(probs) if float(p) >= middle}
    assert classification.run("tiny-bert-multilabel", TEXT, threshold=1.0)["predicted"] == []
    assert r2["threshold"] == middle


def test_regression_pair_returns_the_raw_logit():
    a, b = "A man is playing a guitar.", "A person plays an instrument."
    r = classification.run("tiny-bert-regression", a, b)
    logits, _ = direct_logits("tiny-bert-regression", a, b)
    assert r["problem_type"] == "regression" and r["threshold"] is None
    assert r["predicted"] == pytest.approx(float(logits[0]), abs=1e-6)
    assert r["scores"] == [{"label": "LABEL_0", "score": pytest.approx(float(logits[0]), abs=1e-6)}]


def test_problem_type_defaults_follow_transformers():
    class C:
        problem_type = None
        num_labels = 1

    assert classification.problem_type(C) == "regression"
    C.num_labels = 3
    assert classification.problem_type(C) == "single_label_classification"
    C.problem_type = "multi_label_classification"
    assert classification.problem_type(C) == "multi_label_classification"


def test_pair_encoding_shows_segments_and_separators():
    r = classification.run("tiny-bert", PYTHON_SNAKE, PYTHON_LANGUAGE)
    enc = r["encoded"]
    assert enc["tokens"][0] == "[CLS]" and enc["tokens"].count("[SEP]") == 2 and enc["tokens"][-1] == "[SEP]"
    first_sep = enc["tokens"].index("[SEP]")
    assert set(enc["token_type_ids"][: first_sep + 1]) == {0} and set(enc["token_type_ids"][first_sep + 1 :]) == {1}
    assert enc["sequence_ids"][0] is None and enc["sequence_ids"][1] == 0 and enc["sequence_ids"][-2] == 1
    roberta = classification.run("tiny-roberta", PYTHON_SNAKE, "Python is great.")["encoded"]
    assert roberta["token_type_ids"] is None and roberta["tokens"].count("</s>") == 3  # <s> A </s></s> B </s>


@pytest.mark.parametrize(
    "name,label,loss_name",
    [
        ("tiny-distilbert-sentiment", "POSITIVE", "CrossEntropyLoss"),
        ("tiny-bert-multilabel", ["joy", "surprise"], "BCEWithLogitsLoss"),
        ("tiny-bert-multilabel", "joy, surprise", "BCEWithLogitsLoss"),
    ],
)
def test_loss_for_a_label_equals_the_direct_loss(name, label, loss_name):
    ran = classification.loss(name, TEXT, None, label)
    logits, config = direct_logits(name, TEXT)
    if loss_name == "CrossEntropyLoss":
        expected = torch.nn.functional.cross_entropy(logits[None], torch.tensor([config.label2id[label]]))
    else:
        target = torch.tensor([[1.0 if config.id2label[i] in ("joy", "surprise") else 0.0 for i in range(4)]])
        expected = torch.nn.functional.binary_cross_entropy_with_logits(logits[None], target)
    assert ran["loss_function"] == [loss_name]
    assert ran["loss"] == pytest.approx(float(expected), abs=1e-5)


def test_regression_loss_is_mse():
    ran = classification.loss("tiny-bert-regression", "a b", "c d", "0.8")
    logits, _ = direct_logits("tiny-bert-regression", "a b", "c d")
    assert ran["loss_function"] == ["MSELoss"] and ran["problem_type"] == "regression"
    assert ran["loss"] == pytest.approx((float(logits[0]) - 0.8) ** 2, abs=1e-5)


def test_long_text_is_truncated_with_a_notice():
    long = "Students learn how models read text, one token at a time. " * 60
    r = classification.run("tiny-bert", long)
    assert r["truncation_notice"] and "cut off" in r["truncation_notice"] and "256" in r["truncation_notice"]
    assert len(r["encoded"]["tokens"]) == 256 and r["encoded"]["tokens"][-1] == "[SEP]"
    assert not classification.run("tiny-bert", "short")["truncation_notice"]


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: classification.run("tiny-bert", "   "), BadInput, "empty"),
        (lambda: classification.run("tiny-bert", None), BadInput, "empty"),
        (lambda: classification.run("tiny-bert-regression", "only one"), BadInput, "text_pair"),
        (lambda: classification.run("tiny-bert-multilabel", "a", "b"), BadInput, "clear text_pair"),
        (lambda: classification.run("tiny-gpt2", "a"), WrongTask, "not a text classifier"),
        (lambda: classification.run("tiny-bert", "a", threshold=2), BadInput, "threshold"),
        (lambda: classification.loss("tiny-distilbert-sentiment", "a", None, "HAPPY"), BadInput,
         "NEGATIVE, POSITIVE"),
        (lambda: classification.loss("tiny-bert-regression", "a", "b", "high"), BadInput, "number"),
    ],
)
def test_bad_input_says_what_to_do(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- through the app, as a gradio_client script would ------------------------------------------------


def test_classify_endpoint_raw_output(client):
    *_, raw = client.predict("tiny-distilbert-sentiment", TEXT, "", 0.5, api_name="/classify")
    assert raw["model_class"] == "DistilBertForSequenceClassification"
    assert raw["problem_type"] == "single_label_classification"
    assert {s["label"] for s in raw["scores"]} == {"NEGATIVE", "POSITIVE"}
    assert raw["scores"] == classification.run("tiny-distilbert-sentiment", TEXT)["scores"]
    *_, by_name = client.predict(model="tiny-bert-multilabel", text=TEXT, text_pair="", api_name="/classify")
    assert by_name["threshold"] == 0.5  # the contract's three inputs; threshold keeps its default


def test_classify_pair_endpoint_and_panel(client):
    out = client.predict("tiny-bert-regression", "A man is playing a guitar.", "A person plays an instrument.", 0.5,
                         api_name="/classify_pair")
    raw, summary = out[-1], out[-4]
    assert raw["problem_type"] == "regression"
    assert "BertForSequenceClassification" in summary and "every weight came from the checkpoint" in summary


def test_classify_loss_endpoint(client):
    md, ran = client.predict("tiny-distilbert-sentiment", TEXT, "", "NEGATIVE", api_name="/classify_loss")
    assert ran["loss_function"] == ["CrossEntropyLoss"] and "outputs.loss" in md


def test_newly_initialised_head_is_flagged(client):
    out = client.predict("tiny-bert", TEXT, "", 0.5, api_name="/classify")
    assert "Newly initialised" in out[-4] and "classifier.weight" in out[-1]["newly_initialized"]


@pytest.mark.parametrize(
    "args,match",
    [
        (("tiny-bert", "", "", 0.5), "empty"),
        (("tiny-bert-regression", "one sentence", "", 0.5), "text_pair"),
        pytest.param(("distilbert-base-uncased-finetuned-sst-2-english", "hi", "", 0.5), r"python -m demo\.prefetch",
                     marks=not_prefetched("distilbert-base-uncased-finetuned-sst-2-english")),
    ],
)
def test_bad_input_through_the_client(client, args, match):
    with pytest.raises(AppError, match=match):
        client.predict(*args, api_name="/classify")


@pytest.mark.bundled
def test_bundled_minilm_classifies_with_a_random_head():
    r = classification.run("all-MiniLM-L6-v2 (bundled)", I_LOVE_NLP)
    assert r["encoded"]["input_ids"] == [101, 1045, 2293, 17953, 2361, 999, 102]  # seed 002
    assert r["encoded"]["tokens"] == ["[CLS]", "i", "love", "nl", "##p", "!", "[SEP]"]
    assert "classifier.weight" in r["newly_initialized"]
    assert sum(s["score"] for s in r["scores"]) == pytest.approx(1.0)
