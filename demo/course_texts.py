"""The course's example texts, in one place: tabs, tests and benchmarks use these names, never a copy.

Each text is quoted exactly as its source gives it, so a test can reproduce the source's numbers.
Sources, cited by what they are:

- "BERT: static vs contextual embeddings, WordPiece, MLM and NSP" (course notes): the "Python" pair
  (one word, two senses) and BERT's next-sentence example, the Lincoln passage (the notes mask one
  word in each sentence; the filled-in sentences are the original text).
- "Hugging Face Transformers: pipelines, tasks and decoding" (course notes, after the HF docs' task
  guides): "I love NLP!" (its token ids are the tokenizer reference case), the movie review, the
  Warriors sentence (NER), the BLOOM question (QA), the Milky Way (fill-mask), the baguette law
  (multiple choice), the legumes sentence (translation).
- The Hugging Face course, chapters 1-2 (the pipelines and the sentiment classifier): Sylvain's
  sentence and the two sentiment examples.
- The bundled SmolLM2's reference prompt (the app's offline check: greedy decoding gives " Paris.").

Plain constants only: this module imports nothing, so anything (demo/, tabs/, tests, bench/) may use it.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# "BERT: static vs contextual embeddings, WordPiece, MLM and NSP" (course notes)
# ---------------------------------------------------------------------------

# One word, two senses: a static embedding gives "Python" the same vector in both sentences.
# (The notes' embedding code writes the first one without its full stop: PYTHON_SNAKE.rstrip("."))
PYTHON_SNAKE = "He got bit by Python."
PYTHON_LANGUAGE = "Python is my favorite programming language."

# BERT's next-sentence example: sentence B follows sentence A (IsNext, label 0 in the notes)
LINCOLN_A = (
    "After Abraham Lincoln won the November 1860 presidential election on an anti-slavery platform, "
    "an initial seven slave states declared their secession from the country to form the Confederacy."
)
LINCOLN_B = (
    "War broke out in April 1861 when secessionist forces attacked Fort Sumter in South Carolina, "
    "just over a month after Lincoln's inauguration."
)
LINCOLN = f"{LINCOLN_A} {LINCOLN_B}"  # the passage (a QA context)
# as the notes feed them to BertForPreTraining: one word of each sentence masked
LINCOLN_A_MASKED = LINCOLN_A.replace(" election ", " [MASK] ")
LINCOLN_B_MASKED = LINCOLN_B.replace(" attacked ", " [MASK] ")

# ---------------------------------------------------------------------------
# "Hugging Face Transformers: pipelines, tasks and decoding" (course notes)
# ---------------------------------------------------------------------------

I_LOVE_NLP = "I love NLP!"  # bert-base-uncased: [101, 1045, 2293, 17953, 2361, 999, 102]
REVIEW = (
    "This was a masterpiece. Not completely faithful to the books, but enthralling from beginning to end. "
    "Might be my favorite of the three."
)
WARRIORS = "The Golden State Warriors are an American professional basketball team based in San Francisco."
BLOOM_QUESTION = "How many programming languages does BLOOM support?"
BLOOM_CONTEXT = (
    "BLOOM has 176 billion parameters and can generate text in 46 languages natural languages and 13 "
    "programming languages."
)
MILKY_WAY_MASKED = "The Milky Way is a <mask> galaxy."  # distilroberta-base: spiral, dwarf, massive
MILKY_WAY = "The Milky Way is a spiral galaxy."
BAGUETTE_PROMPT = (
    "France has a bread law, Le Décret Pain, with strict rules on what is allowed in a traditional baguette."
)
BAGUETTE_CHOICES = ("The law does not apply to croissants and brioche.", "The law applies to baguettes.")
LEGUMES = "Legumes share resources with nitrogen-fixing bacteria."  # the notes prefix "translate English to French: "

# ---------------------------------------------------------------------------
# The Hugging Face course, chapters 1-2
# ---------------------------------------------------------------------------

SYLVAIN = "My name is Sylvain and I work at Hugging Face in Brooklyn."
WAITING = "I've been waiting for a HuggingFace course my whole life."
HATE = "I hate this so much!"

# ---------------------------------------------------------------------------
# The bundled SmolLM2's reference prompt
# ---------------------------------------------------------------------------

CAPITAL_OF_FRANCE = "The capital of France is"
