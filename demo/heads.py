"""Which head serves which task: the one table, as transformers' pipeline registry keeps one.

A *head* is what sits on top of the base model, loaded with its Auto class; a *task* is a job the
registry and the tabs name ("sequence-classification", "fill-mask", ...). The loader, the anatomy,
the Models view and every task engine read these tables; this module imports nothing from the app.
"""

from __future__ import annotations

from typing import Any

# head -> the transformers Auto class that loads it
AUTO_CLASS: dict[str, str] = {
    "base": "AutoModel",
    "masked-lm": "AutoModelForMaskedLM",
    "causal-lm": "AutoModelForCausalLM",
    "seq2seq-lm": "AutoModelForSeq2SeqLM",
    "sequence-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "multiple-choice": "AutoModelForMultipleChoice",
    "next-sentence": "AutoModelForNextSentencePrediction",
}

# head -> transformers' auto mapping (in transformers.models.auto.modeling_auto): model_type -> class name
AUTO_MAPPING: dict[str, str] = {
    "masked-lm": "MODEL_FOR_MASKED_LM_MAPPING_NAMES",
    "causal-lm": "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",
    "seq2seq-lm": "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES",
    "sequence-classification": "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
    "token-classification": "MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES",
    "question-answering": "MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES",
    "multiple-choice": "MODEL_FOR_MULTIPLE_CHOICE_MAPPING_NAMES",
    "next-sentence": "MODEL_FOR_NEXT_SENTENCE_PREDICTION_MAPPING_NAMES",
}

# registry task -> the head a model is loaded with for it (tasks without a head use the base model)
TASK_HEAD: dict[str, str] = {
    "sequence-classification": "sequence-classification",
    "pair-classification": "sequence-classification",
    "token-classification": "token-classification",
    "question-answering": "question-answering",
    "fill-mask": "masked-lm",
    "text-generation": "causal-lm",
    "translation": "seq2seq-lm",
    "summarization": "seq2seq-lm",
    "multiple-choice": "multiple-choice",
    "next-sentence": "next-sentence",
    "attention": "base",
    "embeddings": "base",
}

# sequence classification: the three problem types transformers picks a loss by
REGRESSION = "regression"
SINGLE = "single_label_classification"
MULTI = "multi_label_classification"

# head -> its problem types, in the words of the course notes on DistilBERT's task classes
PROBLEM_TYPES: dict[str, list[str]] = {
    "masked-lm": ["masked language modeling (fill in the blank)"],
    "causal-lm": ["causal language modeling (next token)"],
    "seq2seq-lm": ["sequence to sequence (translate, summarize)"],
    "sequence-classification": [REGRESSION, SINGLE, MULTI],
    "token-classification": ["token classification (e.g. NER, POS tagging)"],
    "question-answering": ["extractive question answering (start and end positions)"],
    "multiple-choice": ["multiple choice"],
    "next-sentence": ["next sentence prediction (IsNext / NotNext)"],
}


def head_for(task: str) -> str:
    """The head a model is loaded with for registry task ``task`` ("base" when the task has none)."""
    return TASK_HEAD.get(task, "base")


def problem_type(config: Any) -> str:
    """regression / single_label_classification / multi_label_classification, as transformers decides:
    ``config.problem_type`` when set, else num_labels == 1 means regression, anything else single-label."""
    declared = getattr(config, "problem_type", None)
    if declared in (REGRESSION, SINGLE, MULTI):
        return declared
    return REGRESSION if config.num_labels == 1 else SINGLE
