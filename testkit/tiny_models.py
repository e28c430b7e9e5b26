"""Tiny random models of every family the registry uses, built with no hub access.

Each gets a real tokenizer trained by the `tokenizers` library on a small text and is
saved with save_pretrained, so the app loads it through demo/models.py exactly as it
loads a real checkpoint. ``build_all(root)`` writes them and a registry file for
$TC_EXTRA_MODELS; ``register()`` does that once per machine (in a folder keyed by this
file and the course texts, so a change to either rebuilds them) and sets $TC_EXTRA_MODELS.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo import course_texts as texts

if TYPE_CHECKING:  # pragma: no cover
    from tokenizers import Tokenizer

# The tokenizers' training text: the course's examples (so their words are in every tiny vocabulary)
# and a few sentences of the Hugging Face course's tokenizer chapter.
CORPUS = f"""\
This is the Hugging Face Course.
This chapter is about tokenization.
This section shows several tokenizer algorithms.
Hopefully, you will be able to understand how they are trained and generate tokens.
{texts.I_LOVE_NLP} {texts.CAPITAL_OF_FRANCE} Paris.
{texts.PYTHON_SNAKE} {texts.PYTHON_LANGUAGE}
{texts.WARRIORS}
{texts.MILKY_WAY} Hugging Face is a company based in New York City.
In France, they speak French. The baguette is eaten with a fork and a knife.
Abraham Lincoln was the sixteenth president of the United States.
I went to the bank to deposit money. We sat on the river bank and watched the water.
The quick brown fox jumps over the lazy dog. Transformers use attention to mix tokens.
Students learn how models read text, one token at a time, and predict the next word.
"""

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37)


def _lines() -> list[str]:
    return CORPUS.splitlines() * 3


def _wordpiece(lowercase: bool = True) -> tuple["Tokenizer", dict[str, str]]:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(_lines(), trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    tok.decoder = decoders.WordPiece()
    return tok, dict(unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


def _byte_bpe(specials: list[str], roberta: bool = False) -> "Tokenizer":
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=500, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(_lines(), trainer)
    if roberta:
        tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")),
                                                          ("<s>", tok.token_to_id("<s>")))
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok


def _unigram() -> "Tokenizer":
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=300, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    tok.train_from_iterator(_lines(), trainer)
    eos = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)]
    )
    return tok


def _save_tokenizer(tok: "Tokenizer", out: Path, **special: Any) -> None:
    from transformers import PreTrainedTokenizerFast

    PreTrainedTokenizerFast(tokenizer_object=tok, **special).save_pretrained(out)


def build_bert(out: Path) -> None:
    from transformers import BertConfig, BertForPreTraining

    tok, special = _wordpiece()
    _save_tokenizer(tok, out, model_input_names=["input_ids", "token_type_ids", "attention_mask"], **special)
    cfg = BertConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=256, **SMALL)
    BertForPreTraining(cfg).save_pretrained(out)  # masked-LM and NSP heads are "pretrained"


def build_distilbert(out: Path) -> None:
    from transformers import DistilBertConfig, DistilBertForMaskedLM

    tok, special = _wordpiece()
    _save_tokenizer(tok, out, model_input_names=["input_ids", "attention_mask"], **special)
    cfg = DistilBertConfig(vocab_size=tok.get_vocab_size(), dim=32, n_layers=2, n_heads=4, hidden_dim=37,
                           max_position_embeddings=256)
    DistilBertForMaskedLM(cfg).save_pretrained(out)


def build_roberta(out: Path) -> None:
    from transformers import RobertaConfig, RobertaForMaskedLM

    tok = _byte_bpe(["<s>", "<pad>", "</s>", "<unk>", "<mask>"], roberta=True)
    _save_tokenizer(tok, out, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
                    unk_token="<unk>", pad_token="<pad>", mask_token="<mask>")
    cfg = RobertaConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=258, pad_token_id=1,
                        bos_token_id=0, eos_token_id=2, **SMALL)
    RobertaForMaskedLM(cfg).save_pretrained(out)


def build_gpt2(out: Path) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    tok = _byte_bpe(["<|endoftext|>"])
    _save_tokenizer(tok, out, bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>")
    eot = tok.token_to_id("<|endoftext|>")
    cfg = GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=256, n_embd=32, n_layer=2, n_head=4,
                     bos_token_id=eot, eos_token_id=eot)
    GPT2LMHeadModel(cfg).save_pretrained(out)


def build_llama(out: Path) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = _byte_bpe(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    from transformers import PreTrainedTokenizerFast

    t = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                unk_token="<|endoftext|>", pad_token="<|im_end|>")
    t.chat_template = CHAT_TEMPLATE
    t.save_pretrained(out)
    cfg = LlamaConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=256, num_key_value_heads=2,
                      bos_token_id=tok.token_to_id("<|im_start|>"), eos_token_id=tok.token_to_id("<|im_end|>"),
                      pad_token_id=tok.token_to_id("<|im_end|>"), **SMALL)
    LlamaForCausalLM(cfg).save_pretrained(out)


def build_t5(out: Path) -> None:
    from transformers import T5Config, T5ForConditionalGeneration

    tok = _unigram()
    _save_tokenizer(tok, out, eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
    cfg = T5Config(vocab_size=tok.get_vocab_size(), d_model=32, d_ff=37, d_kv=8, num_layers=2, num_heads=4,
                   decoder_start_token_id=tok.token_to_id("<pad>"), pad_token_id=tok.token_to_id("<pad>"),
                   eos_token_id=tok.token_to_id("</s>"))
    T5ForConditionalGeneration(cfg).save_pretrained(out)


ENCODER = ["tokenize", "attention", "embeddings", "sequence-classification", "pair-classification",
           "token-classification", "question-answering", "fill-mask", "multiple-choice"]

TINY = {
    # name: (builder, family, tasks, trained heads)
    "tiny-bert": (build_bert, "bert", ENCODER + ["next-sentence"], ["base", "masked-lm", "next-sentence"]),
    "tiny-distilbert": (build_distilbert, "distilbert", ENCODER, ["base", "masked-lm"]),
    "tiny-roberta": (build_roberta, "roberta", ENCODER, ["base", "masked-lm"]),
    "tiny-gpt2": (build_gpt2, "gpt2", ["tokenize", "attention", "text-generation"], ["base", "causal-lm"]),
    "tiny-llama": (build_llama, "llama", ["tokenize", "attention", "text-generation"], ["base", "causal-lm"]),
    "tiny-t5": (build_t5, "t5", ["tokenize", "translation", "summarization"], ["base", "seq2seq-lm"]),
}


def default_root() -> Path:
    """A folder keyed by the builders' source and the corpus: rebuilt only when either changes."""
    digest = hashlib.sha1(Path(__file__).read_bytes() + CORPUS.encode("utf-8")).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"tc-tiny-models-{digest}"


def register(root: Path | None = None) -> str:
    """Build the tiny models (once per machine) and register them with the app via $TC_EXTRA_MODELS.

    Call it before ``demo.registry`` reads the variable (the tests' conftest, the benchmarks' main).
    """
    os.environ["TC_EXTRA_MODELS"] = str(build_all(root or default_root()))
    return os.environ["TC_EXTRA_MODELS"]


def build_all(root: Path) -> Path:
    """Build every tiny model under ``root`` (once) and return the registry JSON for $TC_EXTRA_MODELS."""
    import torch

    root.mkdir(parents=True, exist_ok=True)
    registry_file = root / "registry.json"
    if registry_file.exists():
        return registry_file
    entries = []
    for name, (builder, family, tasks, trained) in TINY.items():
        out = root / name
        torch.manual_seed(0)
        builder(out)
        entries.append(dict(name=name, hub_id=f"tests/{name}", revision="local", family=family, tasks=tasks,
                            description=f"tiny random {family} for tests", local_path=str(out),
                            trained_heads=trained))
    tmp = registry_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries, indent=1))
    tmp.rename(registry_file)
    return registry_file


# --- task heads with labels (issue 3: classification, token classification, QA) -----------------
# Saved with their heads, so nothing is newly initialised and config.problem_type / id2label are set.

NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
EMOTIONS = ["joy", "anger", "surprise", "sadness"]


def _bert_with_head(out: Path, cls_name: str, **config: Any) -> None:
    import transformers

    tok, special = _wordpiece()
    _save_tokenizer(tok, out, model_input_names=["input_ids", "token_type_ids", "attention_mask"], **special)
    cfg = transformers.BertConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=256, **SMALL, **config)
    getattr(transformers, cls_name)(cfg).save_pretrained(out)


def build_bert_ner(out: Path) -> None:
    _bert_with_head(out, "BertForTokenClassification", id2label=dict(enumerate(NER_LABELS)),
                    label2id={label: i for i, label in enumerate(NER_LABELS)})


def build_bert_multilabel(out: Path) -> None:
    _bert_with_head(out, "BertForSequenceClassification", problem_type="multi_label_classification",
                    id2label=dict(enumerate(EMOTIONS)), label2id={label: i for i, label in enumerate(EMOTIONS)})


def build_bert_regression(out: Path) -> None:
    _bert_with_head(out, "BertForSequenceClassification", num_labels=1)  # num_labels == 1: regression


def build_bert_qa(out: Path) -> None:
    _bert_with_head(out, "BertForQuestionAnswering")


def build_distilbert_sentiment(out: Path) -> None:
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    tok, special = _wordpiece()
    _save_tokenizer(tok, out, model_input_names=["input_ids", "attention_mask"], **special)
    cfg = DistilBertConfig(vocab_size=tok.get_vocab_size(), dim=32, n_layers=2, n_heads=4, hidden_dim=37,
                           max_position_embeddings=256, id2label={0: "NEGATIVE", 1: "POSITIVE"},
                           label2id={"NEGATIVE": 0, "POSITIVE": 1})
    DistilBertForSequenceClassification(cfg).save_pretrained(out)


TINY.update({
    "tiny-bert-ner": (build_bert_ner, "bert", ["token-classification"], ["base", "token-classification"]),
    "tiny-bert-multilabel": (build_bert_multilabel, "bert", ["sequence-classification"],
                             ["base", "sequence-classification"]),
    "tiny-bert-regression": (build_bert_regression, "bert", ["pair-classification"],
                             ["base", "sequence-classification"]),
    "tiny-bert-qa": (build_bert_qa, "bert", ["question-answering"], ["base", "question-answering"]),
    "tiny-distilbert-sentiment": (build_distilbert_sentiment, "distilbert", ["sequence-classification"],
                                  ["base", "sequence-classification"]),
})
