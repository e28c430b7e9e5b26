"""Heads and losses derived from the classes themselves; DistilBERT must equal seed 000's table."""

from __future__ import annotations

import pytest
from gradio_client.exceptions import AppError

from demo import anatomy, losses, models
from demo.errors import UnknownModel

# seed 000, "DistilBERT 기반 클래스들의 작업 유형 정리": class -> (head layers, {problem type: loss})
SEED_000 = {
    "DistilBertForMaskedLM": (
        ["vocab_transform", "activation", "vocab_layer_norm", "vocab_projector"],
        ["CrossEntropyLoss"],
    ),
    "DistilBertForSequenceClassification": (
        ["pre_classifier", "dropout", "classifier"],
        ["MSELoss", "CrossEntropyLoss", "BCEWithLogitsLoss"],  # regression, single, multi label
    ),
    "DistilBertForTokenClassification": (["dropout", "classifier"], ["CrossEntropyLoss"]),
    "DistilBertForQuestionAnswering": (["dropout", "qa_outputs"], ["CrossEntropyLoss"]),
    "DistilBertForMultipleChoice": (["pre_classifier", "dropout", "classifier"], ["CrossEntropyLoss"]),
}


@pytest.mark.parametrize("cls", list(SEED_000))
def test_distilbert_table_equals_seed_000(cls):
    layers, losses = SEED_000[cls]
    result = anatomy.anatomy(cls)
    assert [h["name"] for h in result["head"]] == layers
    assert list(result["losses"].values()) == losses


def test_sequence_classification_problem_types_are_named():
    result = anatomy.anatomy("DistilBertForSequenceClassification")
    assert result["losses"] == {
        "regression": "MSELoss",
        "single_label_classification": "CrossEntropyLoss",
        "multi_label_classification": "BCEWithLogitsLoss",
    }
    shapes = [h["shape"] for h in result["head"]]
    assert shapes[0] == "Linear(32→32)" and shapes[-1] == "Linear(32→1)"  # regression built first
    for problem, head in result["heads"].items():  # seed 000: the same three layers for every problem type
        assert [h["name"] for h in head] == SEED_000["DistilBertForSequenceClassification"][0], problem
    assert result["heads"]["multi_label_classification"][-1]["shape"] == "Linear(32→3)"


def test_overview_lists_distilbert_in_seed_000_order():
    from tabs import anatomy_tab

    assert anatomy_tab._family_classes("distilbert") == list(SEED_000)


def test_every_architecture_and_head_builds():
    classes = anatomy.anatomy_classes()
    assert {"BertForNextSentencePrediction", "GPT2LMHeadModel", "T5ForConditionalGeneration",
            "RobertaForMaskedLM", "LlamaForCausalLM"} <= set(classes)
    for cls in classes:
        result = anatomy.anatomy(cls)
        assert result["head"], cls
        assert all(v != "none" for v in result["losses"].values()), cls


def test_nested_bert_head_is_listed_by_leaves():
    names = [h["name"] for h in anatomy.anatomy("BertForMaskedLM")["head"]]
    assert names == ["cls.predictions.transform.dense", "cls.predictions.transform.transform_act_fn",
                     "cls.predictions.transform.LayerNorm", "cls.predictions.decoder"]


def test_loss_recorder_matches_a_direct_computation():
    import torch

    loaded = models.load("tiny-distilbert", "sequence-classification")
    enc = loaded.tokenizer("I love NLP!", return_tensors="pt")
    ran = losses.run_with_labels(loaded.model, dict(enc), {"labels": torch.tensor([1])})
    with torch.no_grad():
        logits = loaded.model(**enc).logits
    direct = torch.nn.functional.cross_entropy(logits, torch.tensor([1]))
    assert ran["loss_function"] == ["CrossEntropyLoss"]
    assert ran["loss"] == pytest.approx(float(direct), rel=1e-5)


def test_describe_loaded_reports_new_head():
    info = anatomy.describe_loaded(models.load("tiny-bert", "sequence-classification"))
    assert info["model_class"] == "BertForSequenceClassification"
    assert [h["name"] for h in info["head"]] == ["dropout", "classifier"]
    assert "classifier.weight" in info["newly_initialized"]


def test_unknown_class_is_refused():
    with pytest.raises(UnknownModel, match="DistilBertForSequenceClassification"):
        anatomy.anatomy("os.system")


def test_anatomy_endpoint(client):
    md, raw = client.predict("DistilBertForQuestionAnswering", api_name="/anatomy")
    assert [h["name"] for h in raw["head"]] == ["dropout", "qa_outputs"]
    assert "qa_outputs" in md and "CrossEntropyLoss" in md
    with pytest.raises(AppError):
        client.predict("<script>alert(1)</script>", api_name="/anatomy")
