"""Static vs dynamic embeddings ("BERT: static vs contextual embeddings", course notes): lookups never
change, hidden states do."""

from __future__ import annotations

import numpy as np
import pytest

from demo import embeddings, models
from demo.errors import BadInput

MINILM = "all-MiniLM-L6-v2 (bundled)"
A, B = embeddings.DEFAULT_A, embeddings.DEFAULT_B


def _direct(model: str, sentence: str, word: str) -> tuple[np.ndarray, np.ndarray]:
    """The word's static row and last hidden state, computed here without demo.embeddings."""
    import torch

    loaded = models.load(model, "base")
    tok = loaded.tokenizer
    start = sentence.lower().index(word.lower())
    enc = tok(sentence, return_offsets_mapping=True, return_tensors="pt")
    spans = enc.pop("offset_mapping")[0].tolist()
    pos = [i for i, (s, e) in enumerate(spans) if e > s and s < start + len(word) and e > start]
    with torch.no_grad():
        last = loaded.model(**enc).last_hidden_state[0, pos].mean(0).numpy()
        static = loaded.model.get_input_embeddings().weight[enc["input_ids"][0, pos]].mean(0).numpy()
    return static, last


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.mark.parametrize("model", ["tiny-bert", "tiny-distilbert"])
def test_static_is_exactly_one_and_contextual_below(model: str) -> None:
    r = embeddings.compare(model, "python", A, B)
    assert r["static_cosine"] == 1.0
    assert r["word2vec_cosine"] == 1.0
    assert len(r["contextual_cosine"]) == r["num_layers"] + 1 == len(r["layer_names"])
    assert all(c < 1.0 for c in r["contextual_cosine"])
    assert r["sentences"][0]["found"] == "Python" and r["sentences"][1]["where"] == "sentence_b"


def test_contextual_cosine_matches_a_direct_computation() -> None:
    r = embeddings.compare("tiny-bert", "python", A, B)
    sa, la = _direct("tiny-bert", A, "python")
    sb, lb = _direct("tiny-bert", B, "python")
    assert np.array_equal(sa, sb)  # the same rows of the lookup table
    assert r["contextual_cosine"][-1] == pytest.approx(_cos(la, lb), abs=1e-5)


def test_word_missing_names_the_sentence() -> None:
    with pytest.raises(BadInput, match=r"sentence_b.*I like cats"):
        embeddings.compare("tiny-bert", "python", A, "I like cats")
    with pytest.raises(BadInput, match="more_sentences line 2"):
        embeddings.compare("tiny-bert", "python", A, B, "The python slept.\nNo snakes here.")
    with pytest.raises(BadInput, match="sentence_a"):
        embeddings.compare("tiny-bert", "python", "pythonic code", B)  # whole words only


def test_bad_inputs() -> None:
    with pytest.raises(BadInput, match="empty"):
        embeddings.compare("tiny-bert", "  ", A, B)
    with pytest.raises(BadInput, match="layer"):
        embeddings.compare("tiny-bert", "python", A, B, layer=99)


def test_subwords_are_mean_pooled_and_said_so() -> None:
    r = embeddings.compare("tiny-bert", "xylophone", "I love the xylophone.", "A xylophone is loud.")
    pieces = r["sentences"][0]["pieces"]
    assert len(pieces) > 1 and r["pooled"]
    assert any("mean of its pieces" in n for n in r["notes"])
    assert r["static_cosine"] == 1.0


def test_byte_level_bpe_spaces_split_the_static_vector_and_the_app_says_why() -> None:
    # "Python" at the start of a sentence and " Python" after a space are different BPE tokens
    r = embeddings.compare("tiny-roberta", "python", A, B)
    assert r["sentences"][0]["pieces"] != r["sentences"][1]["pieces"]
    assert r["static_cosine"] < 1.0
    assert any("splits the word differently" in n for n in r["notes"])


def test_heat_map_and_pca_cover_every_sentence() -> None:
    more = embeddings.sense_lines("python")
    r = embeddings.compare("tiny-bert", "python", A, B, more, layer=0)
    n = 2 + len(more.splitlines())
    sim = np.array(r["similarity"])
    assert sim.shape == (n, n)
    np.testing.assert_allclose(np.diag(sim), 1.0)
    np.testing.assert_allclose(sim, sim.T)
    assert len(r["pca"]["points"]) == n and r["layer"] == 0
    assert {p["label"] for p in r["pca"]["points"][2:]} == {"snake", "language"}
    assert np.all(np.array(r["static_similarity"]) == 1.0)


def test_too_many_sentences_are_capped_with_a_notice() -> None:
    more = "\n".join(f"python number {i}" for i in range(embeddings.MAX_SENTENCES + 5))
    r = embeddings.compare("tiny-bert", "python", A, B, more)
    assert len(r["sentences"]) == 2 + embeddings.MAX_SENTENCES
    assert any("Only the first" in n for n in r["notes"])


def test_word2vec_cosine_is_two_lookups_and_says_why_it_is_one() -> None:
    # a static Word2Vec vector is looked up by the word alone: sentence A's and sentence B's are the same row
    r = embeddings.compare("tiny-bert", "python", A, B)
    kv = embeddings.word2vec()
    looked_up = r["word2vec"]["lookups"]
    assert looked_up == {"sentence_a": "python", "sentence_b": "python"}
    assert np.array_equal(kv[looked_up["sentence_a"]], kv[looked_up["sentence_b"]])
    assert r["word2vec_cosine"] == 1.0
    assert any("Word2Vec" in n and "whatever the sentence" in n for n in r["notes"])


def test_word2vec_cosine_is_none_for_an_unknown_word() -> None:
    r = embeddings.compare("tiny-bert", "xylophone", "I love the xylophone.", "A xylophone is loud.")
    assert r["word2vec_cosine"] is None and r["word2vec"]["lookups"] is None
    assert any("not in the Word2Vec vocabulary" in n for n in r["notes"])


def test_word2vec_is_trained_once_and_kept_on_disk() -> None:
    first = embeddings.word2vec()
    assert embeddings.word2vec() is first
    assert list((models.cache_dir() / "word2vec").glob("lee_background-*.bin"))
    assert "bank" in first.key_to_index and "python" in first.key_to_index
    assert "west" in [w for w, _ in first.most_similar("bank", topn=10)]  # the news corpus: West Bank


@pytest.mark.bundled
def test_seed_004_python_with_minilm() -> None:
    r = embeddings.compare(MINILM, "Python", A, B)
    assert r["static_cosine"] == 1.0
    assert r["word2vec_cosine"] == 1.0
    assert max(r["contextual_cosine"]) < 1.0 and r["contextual_cosine"][-1] < 0.95
    assert r["num_layers"] == 6
    sa, la = _direct(MINILM, A, "python")
    sb, lb = _direct(MINILM, B, "python")
    assert np.array_equal(sa, sb)
    assert r["contextual_cosine"][-1] == pytest.approx(_cos(la, lb), abs=1e-5)


@pytest.mark.bundled
@pytest.mark.parametrize("word", ["bank", "python"])
def test_senses_form_clusters_with_minilm(word: str) -> None:
    rows = embeddings.sense_sentences(word)
    r = embeddings.compare(MINILM, word, rows[0]["sentence"], rows[-1]["sentence"], embeddings.sense_lines(word))
    labels = [rows[0]["sense"], rows[-1]["sense"]] + [row["sense"] for row in rows]
    sim = np.array(r["similarity"])
    same = np.equal.outer(labels, labels) & ~np.eye(len(labels), dtype=bool)
    different = ~np.equal.outer(labels, labels)
    assert sim[same].mean() > sim[different].mean() + 0.05


def test_api_embeddings(client) -> None:
    out = client.predict(model="tiny-bert", word="python", sentence_a=A, sentence_b=B, more_sentences="",
                         api_name="/embeddings")
    raw = next(o for o in out if isinstance(o, dict) and "static_cosine" in o)
    assert raw["static_cosine"] == 1.0 and raw["word2vec_cosine"] == 1.0
    assert len(raw["contextual_cosine"]) == raw["num_layers"] + 1
    assert all(c < 1 for c in raw["contextual_cosine"])


def test_api_embeddings_error_names_the_sentence(client) -> None:
    with pytest.raises(Exception, match="sentence_b"):
        client.predict(model="tiny-bert", word="python", sentence_a=A, sentence_b="I like cats", more_sentences="",
                       api_name="/embeddings")


def test_a_cut_sentence_is_a_truncation_notice() -> None:
    """One contract for every endpoint: truncation_notice is a sentence when tokens were cut, else None."""
    r = embeddings.compare("tiny-bert", "python", A, B)
    assert r["truncation_notice"] is None and "truncated" not in r
    long = embeddings.compare("tiny-bert", "python", A, B + " and more" * 200)
    assert isinstance(long["truncation_notice"], str) and "sentence_b" in long["truncation_notice"]
    assert str(embeddings.MAX_TOKENS) in long["truncation_notice"]
