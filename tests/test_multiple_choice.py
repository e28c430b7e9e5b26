"""Multiple choice: the scores are the softmax across the choices of the model's own logits."""

from __future__ import annotations

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import models
from demo.course_texts import BAGUETTE_CHOICES, BAGUETTE_PROMPT
from demo.errors import BadInput, WrongTask
from demo.tasks import multiple_choice as mc

CHOICES = list(BAGUETTE_CHOICES)

# seed 002: tokenizer([[prompt, candidate1], [prompt, candidate2]], padding=True) with bert-base-uncased
SEED_IDS = [
    [101, 2605, 2038, 1037, 7852, 2375, 1010, 3393, 11703, 13465, 3255, 1010, 2007, 9384, 3513, 2006, 2054,
     2003, 3039, 1999, 1037, 3151, 4524, 23361, 2618, 1012, 102, 1996, 2375, 2515, 2025, 6611, 2000, 13675,
     10054, 22341, 2015, 1998, 7987, 3695, 5403, 1012, 102],
    [101, 2605, 2038, 1037, 7852, 2375, 1010, 3393, 11703, 13465, 3255, 1010, 2007, 9384, 3513, 2006, 2054,
     2003, 3039, 1999, 1037, 3151, 4524, 23361, 2618, 1012, 102, 1996, 2375, 12033, 2000, 4524, 23361, 4570,
     1012, 102],  # + 7 padding tokens
]


def direct_probs(name: str, prompt: str, choices: list[str]) -> torch.Tensor:
    """The seed's recipe, run on the same loaded weights (the classifier of these checkpoints is random)."""
    loaded = models.load(name, mc.HEAD)
    enc = loaded.tokenizer([[prompt, c] for c in choices], return_tensors="pt", padding=True)
    with torch.no_grad():
        logits = loaded.model(**{k: v.unsqueeze(0) for k, v in enc.items()}).logits  # 1 x C
    return logits[0].softmax(-1)


@pytest.mark.parametrize("name", ["tiny-bert", "tiny-distilbert", "tiny-roberta"])
def test_scores_are_the_softmax_across_the_choices(name):
    choices = CHOICES + ["The law is about bread."]
    result = mc.run(name, BAGUETTE_PROMPT, "\n".join(choices))
    expected = direct_probs(name, BAGUETTE_PROMPT, choices)
    assert [s["choice"] for s in result["scores"]] == choices
    assert [s["score"] for s in result["scores"]] == pytest.approx(expected.tolist(), abs=1e-6)
    assert sum(s["score"] for s in result["scores"]) == pytest.approx(1.0)
    assert result["predicted_index"] == int(expected.argmax())
    assert result["predicted"] == choices[result["predicted_index"]]
    assert result["input_shape"][:2] == [1, 3]


def test_choices_as_lines_or_list_blank_lines_skipped():
    assert mc.parse_choices("a\n\n  b  \n") == ["a", "b"]
    assert mc.parse_choices(["a", "b", " "]) == ["a", "b"]


@pytest.mark.parametrize("choices, match", [("only one", "at least 2"), ("a\nb\nc\nd\ne\nf", "at most 5"),
                                            ("", "choices is empty")])
def test_wrong_number_of_choices_says_what_to_do(choices, match):
    with pytest.raises(BadInput, match=match):
        mc.run("tiny-bert", BAGUETTE_PROMPT, choices)


def test_empty_prompt_and_wrong_model():
    with pytest.raises(BadInput, match="prompt is empty"):
        mc.run("tiny-bert", "", "a\nb")
    with pytest.raises(WrongTask, match="cannot be used for multiple-choice"):
        mc.run("tiny-gpt2", BAGUETTE_PROMPT, "a\nb")


def test_long_prompt_is_truncated_with_a_notice():
    result = mc.run("tiny-bert", BAGUETTE_PROMPT * 40, "\n".join(CHOICES))
    assert result["truncation_notice"] and result["input_shape"][2] == 256
    assert all(p["tokens"][-1] == "[SEP]" for p in result["pairs"])


def test_loss_for_the_correct_choice_is_cross_entropy():
    result = mc.run("tiny-bert", BAGUETTE_PROMPT, "\n".join(CHOICES))
    for index in (0, 1):
        loss = mc.loss("tiny-bert", BAGUETTE_PROMPT, "\n".join(CHOICES), index)
        assert loss["loss_function"] == ["CrossEntropyLoss"]
        assert loss["loss"] == pytest.approx(-torch.tensor(result["scores"][index]["score"]).log().item(), rel=1e-4)
    with pytest.raises(BadInput, match="between 0 and 1"):
        mc.loss("tiny-bert", BAGUETTE_PROMPT, "\n".join(CHOICES), 2)


def test_endpoint_through_the_client(client):
    *_, raw = client.predict("tiny-bert", BAGUETTE_PROMPT, "\n".join(CHOICES), api_name="/multiple_choice")
    expected = direct_probs("tiny-bert", BAGUETTE_PROMPT, CHOICES)
    assert [s["score"] for s in raw["scores"]] == pytest.approx(expected.tolist(), abs=1e-6)
    assert raw["predicted"] in CHOICES
    with pytest.raises(AppError, match="at least 2 choices"):
        client.predict("tiny-bert", BAGUETTE_PROMPT, "just one", api_name="/multiple_choice")
    text = client.predict("tiny-bert", BAGUETTE_PROMPT, "\n".join(CHOICES), 0, api_name="/multiple_choice_loss")
    assert "outputs.loss" in text and "CrossEntropyLoss" in text


@pytest.mark.bundled
def test_seed_002_baguette_encoding_with_the_bert_vocabulary():
    result = mc.run("all-MiniLM-L6-v2 (bundled)", BAGUETTE_PROMPT, "\n".join(CHOICES))
    assert result["input_shape"] == [1, 2, 43]
    assert [p["input_ids"] for p in result["pairs"]] == SEED_IDS
    assert result["pairs"][0]["token_type_ids"] == [0] * 27 + [1] * 16
    assert result["pairs"][1]["token_type_ids"] == [0] * 27 + [1] * 9
    assert models.load("all-MiniLM-L6-v2 (bundled)", mc.HEAD).newly_initialized  # the head is flagged random
