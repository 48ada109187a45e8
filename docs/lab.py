# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The LSTM lab, on lstmlab
#
# This notebook is the LSTM lab, run top to bottom on a CPU:
#
# 1. the LSTM equations by hand on the lab's worked example, beside `torch.nn.LSTM` and
#    `lstmlab.nn.LSTM`;
# 2. IMDb sentiment: the data, the vocabulary, the lab's basic model, and why its pooling
#    reads padding;
# 3. Task 1: a bidirectional two-layer LSTM with dropout;
# 4. Task 2: a BiLSTM part-of-speech tagger, measured honestly;
# 5. inside the trained tagger: its gates on a sentence;
# 6. a language model pre-trained on IMDb, and text generated from it.
#
# **Small and full settings.** Every section that trains starts with `SMALL = True`: one
# epoch and shorter inputs, so the whole notebook runs in a couple of minutes on a 2-core
# CPU (the test suite runs it so). Set `SMALL = False` in a section to train with the lab's
# full settings; the section says how long that takes.
#
# **Set-up.** From the repository root: `pip install -e '.[notebook]'`, then
# `jupyter notebook docs/lab.ipynb`. The data sets are looked up in `$LSTMLAB_DATA` (else
# `~/.cache/lstmlab`); `lstmlab data list` says what is there and `lstmlab data fetch NAME`
# downloads what is missing. Runs are written under `runs/` beside the notebook.
#
# *For contributors:* `docs/lab.py` is the source (a jupytext "percent" script); after
# editing it, regenerate the notebook with `jupytext --to ipynb --update docs/lab.py` (which
# keeps the cell ids, so diffs stay small) and commit both, without outputs
# (`tests/docs/test_notebook.py` checks).

# %% [markdown]
# The first cell must run before anything imports torch. It asks PyTorch to put tensors of
# 2 MiB and more on *huge pages*: a large embedding's gradient is made afresh at every
# training step, and with ordinary 4 KiB pages each of its pages faults in separately —
# 40 % of a step of the lab's IMDb model. PyTorch reads the switch once, when the process
# makes its first tensor, so it cannot be set later from Python (the `lstmlab` command sets
# it for you). If torch was already imported, restart the kernel and run this cell first.

# %%
# %env THP_MEM_ALLOC_ENABLE=1

# %%
import itertools
import time
from pathlib import Path

import numpy as np
import torch
from IPython.display import Image, display

import lstmlab
from lstmlab.cli.explain import (
    CLASSIC_SEQUENCE,
    EQUATIONS,
    build_worked_example,
    format_steps,
    format_weights,
    plot_gates,
)
from lstmlab.data.imdb_encoded import load_imdb_encoded
from lstmlab.data.tokenize import get_tokenizer
from lstmlab.data.vocab import Vocab
from lstmlab.inspect import inspector_for
from lstmlab.inspect.heatmap import plot_heatmaps
from lstmlab.inspect.units import top_units
from lstmlab.nn import LSTM, LSTMGates

# One thread is fastest for these small models on a small or busy machine (BENCHMARKS.md);
# on an idle machine with many cores, try more.
THREADS = 1
torch.set_num_threads(THREADS)

# Every training writes a new run folder under RUNS, so any cell can be run again.
RUNS = Path("runs") / time.strftime("lab-%Y%m%d-%H%M%S")
RUNS.mkdir(parents=True, exist_ok=True)


def run_folder(name: str) -> Path:
    """A run folder under RUNS that does not exist yet: ``name``, ``name-2``, ..."""
    for number in itertools.count(1):
        path = RUNS / (name if number == 1 else f"{name}-{number}")
        if not path.exists():
            return path
    raise AssertionError("unreachable")


def show(run: Path, *names: str) -> None:
    """Show a run folder's plots inline (loss.png, accuracy.png, confusion.png, ...)."""
    for name in names:
        display(Image(filename=str(run / name)))


# %% [markdown]
# ## 1. The LSTM equations by hand: the lab's worked example
#
# The lab seeds PyTorch with 20, makes `nn.LSTM(input_size=3, hidden_size=1)`, replaces its
# input weights by `torch.randn` of the same shape, sets the biases to zero and feeds it a
# four-step sequence. `build_worked_example` (the code behind `lstmlab explain`) does
# exactly that. An LSTM step reads the input $x_t$ and the previous hidden state
# $h_{t-1}$ through four gates:

# %%
print(EQUATIONS)
torch_lstm = build_worked_example(input_size=3, hidden_size=1, seed=20)
x = torch.tensor(CLASSIC_SEQUENCE)  # (T=4 steps, 3 features)
print()
print(format_weights(torch_lstm))

# %% [markdown]
# PyTorch stacks the four gates' weights in one matrix, in the order i, f, g, o:
# `weight_ih_l0` is `(4 * hidden, input)` and `weight_hh_l0` is `(4 * hidden, hidden)`.
# Split them, start from $h_0 = c_0 = 0$, and apply the equations one step at a time:

# %% tags=["worked-example"]
W_x = torch_lstm.weight_ih_l0.detach()  # (4, 3): rows i, f, g, o
W_h = torch_lstm.weight_hh_l0.detach()  # (4, 1)
b = (torch_lstm.bias_ih_l0 + torch_lstm.bias_hh_l0).detach()  # (4,), zero here
W_ii, W_if, W_ig, W_io = W_x.chunk(4)
W_hi, W_hf, W_hg, W_ho = W_h.chunk(4)
b_i, b_f, b_g, b_o = b.chunk(4)

h = torch.zeros(1)
c = torch.zeros(1)
h_by_hand = []
for t, x_t in enumerate(x):
    i = torch.sigmoid(W_ii @ x_t + W_hi @ h + b_i)  # input gate: how much to write
    f = torch.sigmoid(W_if @ x_t + W_hf @ h + b_f)  # forget gate: how much of c to keep
    g = torch.tanh(W_ig @ x_t + W_hg @ h + b_g)  # candidate values
    o = torch.sigmoid(W_io @ x_t + W_ho @ h + b_o)  # output gate: how much of c to show
    c = f * c + i * g
    h = o * torch.tanh(c)
    h_by_hand.append(h.item())
    print(
        f"t={t}: i={i.item():.4f} f={f.item():.4f} g={g.item():+.4f} o={o.item():.4f}"
        f"  c_t={c.item():+.4f}  h_t={h.item():+.4f}"
    )

# %% [markdown]
# The same sequence through `torch.nn.LSTM` and through lstmlab's transparent LSTM, built
# from the same weights with `LSTM.from_torch`. `forward_with_gates` returns, besides the
# usual output and final states, every gate of every layer and direction (`"l0"`: layer 0,
# forward), each `(batch, T, hidden)`.

# %%
with torch.no_grad():
    torch_output, _ = torch_lstm(x.unsqueeze(0))  # batch_first: (1, T, 1)
    ours = LSTM.from_torch(torch_lstm)
    our_output, (h_n, c_n), gates = ours.forward_with_gates(x.unsqueeze(0))

print(" t    by hand  torch.nn.LSTM  lstmlab.nn.LSTM")
for t, value in enumerate(h_by_hand):
    theirs, mine = torch_output[0, t, 0], our_output[0, t, 0]
    print(f"{t:>2}  {value:+.6f}      {theirs:+.6f}        {mine:+.6f}")

# %% [markdown]
# The gate table of `lstmlab explain`, and the same values as heatmaps (one row per unit —
# here one — and one column per step):

# %%
step_gates = LSTMGates(*(tensor[0] for tensor in gates["l0"]))  # each (T, hidden)
table, largest_difference = format_steps(x, step_gates, torch_output[0])
print(table)
print(f"\nlargest |h_t - torch.nn.LSTM h_t|: {largest_difference:.3g}")
plot_gates(step_gates, RUNS / "worked-example.png")
display(Image(filename=str(RUNS / "worked-example.png")))

# %% [markdown]
# ## 2. IMDb sentiment: the data, the vocabulary, the lab's basic model
#
# IMDb holds 50,000 movie reviews, half for training and half for testing, each labelled
# positive or negative. lstmlab tokenizes and encodes them once and caches the result (the
# first load takes about half a minute, later ones under a second). The lab's basic model
# splits reviews on whitespace and keeps words seen at least 5 times: the `lab` preset's
# data settings, so this load is the one its training reuses.

# %%
imdb = load_imdb_encoded(tokenizer="whitespace", min_freq=5)
vocab = imdb.vocab
lengths = np.array(imdb.train.lengths())
print(f"{len(imdb.train):,} training reviews, {len(imdb.test):,} test reviews")
print(f"share positive in training: {imdb.train.labels.float().mean():.2f}")
print(f"vocabulary: {len(vocab):,} words (the specials {vocab.tokens[:2]} included)")
print(
    f"review length in words: median {np.median(lengths):.0f}, "
    f"90th percentile {np.percentile(lengths, 90):.0f}; "
    f"{(lengths < 128).mean():.0%} are shorter than the lab's 128 tokens"
)
counts = torch.bincount(torch.cat(imdb.train.ids), minlength=len(vocab))
print("most frequent:", vocab.decode(counts.topk(15).indices.tolist()))
first = imdb.train.ids[0]
print(f"\nreview 0 ({'pos' if imdb.train.labels[0] else 'neg'}), as the model sees it:")
print(" ".join(vocab.decode(first[:60].tolist())), "...")

# %% [markdown]
# Whitespace tokens keep case, punctuation and IMDb's `<br />` line breaks, so `movie`,
# `movie.` and `Movie` are three words. lstmlab's `review` tokenizer (the other presets')
# lowercases and splits punctuation off:

# %%
text = "A moving, funny film.<br /><br />I LOVED it -- don't miss it!"
for name in ("whitespace", "review"):
    print(f"{name:>10}: {get_tokenizer(name)(text)}")

# %% [markdown]
# Now the lab's basic model: embedding 300, one LSTM of 32 units, the first 128 tokens of
# each review, Adam 5e-4, batch 64. `lstmlab.train` returns the test metrics and writes a
# run folder with the learning curves and the confusion matrix. 10 % of the training
# reviews are held out for validation; the test split is used once, at the end.

# %%
SMALL = True  # False: the lab's 10 epochs, 128 tokens (about 2.5 minutes per model on 2 cores)
# Small: one epoch, the first 32 tokens, batches of 512 (fewer, cheaper steps).
sentiment_small = {"train.epochs": 1, "data.max_len": 32, "train.batch_size": 512} if SMALL else {}

lab_dir = run_folder("sentiment-lab")
lab_metrics = lstmlab.train(
    "sentiment", preset="lab", out=lab_dir, **sentiment_small, **{"train.threads": THREADS}
)
print(f"test accuracy: {lab_metrics['test_accuracy']:.4f}")
show(lab_dir, "loss.png", "accuracy.png", "confusion.png")

# %% [markdown]
# ### Why the lab's model reads padding
#
# Reviews differ in length, so a batch is padded on the right to its longest review. The
# lab runs the LSTM over the padded batch and classifies from its *final* state `h_n`:
# for every review shorter than the longest in its batch, that is the state after reading
# the padding too (the `lab` pooling). So a review's prediction depends on the other reviews
# it happens to be batched with. Watch one review's probability change as padding is added:

# %%
lab = lstmlab.load(lab_dir)
tokenize = get_tokenizer(lab.config.data.tokenizer)
lab_vocab = Vocab.from_dict(lab.vocabs["vocab"])
review = "A moving, funny film with a wonderful cast. I loved every minute of it."
review_ids = torch.tensor(lab_vocab.encode(tokenize(review)))


def p_pos_with_padding(trained, ids: torch.Tensor, pads: int) -> float:
    """p(pos) of one review, right-padded with ``pads`` pad tokens as in a batch."""
    padding = torch.full((pads,), lab_vocab.pad_index, dtype=torch.long)
    batch = torch.cat([ids, padding]).unsqueeze(0)  # (1, T + pads)
    with torch.no_grad():
        logits = trained.model(batch, torch.tensor([len(ids)]))
    return torch.softmax(logits, dim=-1)[0, 1].item()


for pads in (0, 10, 50, 100):
    print(f"{pads:>3} pads: p(pos) = {p_pos_with_padding(lab, review_ids, pads):.3f}")
print("as the API sees it, alone in its batch:", lab.predict(review))

# %% [markdown]
# After enough padding the state forgets the review altogether: every review then gets
# the same probability. The fix is to pool over the real tokens only. `last` pooling packs
# the batch, so the LSTM stops at each review's true end and its final state never sees
# padding; `max` pooling takes, per unit, the largest output over the real steps. Same
# model, same data, two more runs:

# %%
pooled = {"lab": (lab_dir, lab_metrics)}
for pooling in ("last", "max"):
    run = run_folder(f"sentiment-lab-{pooling}")
    metrics = lstmlab.train(
        "sentiment",
        preset="lab",
        out=run,
        **sentiment_small,
        **{"model.pooling": pooling, "train.threads": THREADS},
    )
    pooled[pooling] = (run, metrics)
for pooling, (run, metrics) in pooled.items():
    print(f"{pooling:>5} pooling: test accuracy {metrics['test_accuracy']:.4f}   ({run})")

last = lstmlab.load(pooled["last"][0])
for pads in (0, 10, 50, 100):
    print(f"{pads:>3} pads: last pooling p(pos) = {p_pos_with_padding(last, review_ids, pads):.3f}")

# %% [markdown]
# With `last` pooling the probability no longer moves with the padding. With the full
# settings (10 epochs, 128 tokens) the lab's model reaches 64.9 % on the test set and the
# same model with `last` pooling 72.6 % (BENCHMARKS.md); with one epoch the figures above are
# mostly noise, but the padding test is exact at any training length.

# %% [markdown]
# ## 3. Task 1: a bidirectional two-layer LSTM with dropout
#
# The lab's Task 1 (`task1` preset): a 20,000-word vocabulary, 200 tokens per review
# (lstmlab's `review` tokens, the *last* 200, where reviews give their verdict), embedding
# 128, a two-layer bidirectional LSTM of 64 units with dropout 0.5 between the layers and
# before the classifier, `last` pooling (each direction's final state at the review's true
# ends), 5 epochs.

# %%
SMALL = True  # False: the lab's 5 epochs, 200 tokens (about 5 minutes on 2 cores)
# Small: one epoch, the last 16 tokens (often the verdict), batches of 512.
task1_small = {"train.epochs": 1, "data.max_len": 16, "train.batch_size": 512} if SMALL else {}

task1_dir = run_folder("sentiment-task1")
task1_metrics = lstmlab.train(
    "sentiment", preset="task1", out=task1_dir, **task1_small, **{"train.threads": THREADS}
)
print(f"test accuracy: {task1_metrics['test_accuracy']:.4f}")
for label, scores in task1_metrics["per_class"].items():
    print(f"{label}: precision {scores['precision']:.3f}, recall {scores['recall']:.3f}")
show(task1_dir, "accuracy.png", "confusion.png")
print(lstmlab.load(task1_dir).predict(["A moving, funny film.", "Dull, and far too long."]))

# %% [markdown]
# Measured with the full settings on a 2-core CPU ([BENCHMARKS.md](../BENCHMARKS.md)):
#
# | preset | what | test accuracy | training |
# | --- | --- | ---: | ---: |
# | `lab` | the lab's basic model (padding-reading pooling) | 64.9 % | 10 epochs, ~13 s each |
# | `lab` + `last` pooling | the same, reading no padding | 72.6 % | 10 epochs |
# | `task1` | the lab's Task 1 (the lab reports 83.0 %) | 85.5 % | 4.7 minutes |
# | `best` | BiLSTM 96, max pooling, first+last 200 tokens, AdamW | 89.5 % | 9–13.5 minutes |
#
# `lstmlab.train("sentiment", preset="best")` trains the last one.

# %% [markdown]
# ## 4. Task 2: a part-of-speech tagger
#
# CoNLL-2000 (Wall Street Journal text) tagged with 44 part-of-speech tags. The lab's
# Task 2 tagger (`lab` preset): word embedding 128, a bidirectional LSTM of 64 units,
# dropout 0.3, a tag per token. lstmlab's loss ignores padding; the lab's did not.

# %%
SMALL = True  # False: the lab's 5 epochs (well under a minute on 2 cores)
pos_small = {"train.epochs": 1} if SMALL else {}

pos_dir = run_folder("pos-lab")
pos_metrics = lstmlab.train(
    "pos", preset="lab", out=pos_dir, **pos_small, **{"train.threads": THREADS}
)
tagger = lstmlab.load(pos_dir)
print(tagger.tag("The cat sat on the mat ."))

# %% [markdown]
# ### Real-token accuracy against the lab's figure
#
# The lab evaluated on padded sentences and counted every pad position whose prediction
# was the pad tag as correct. Test sentences are padded to the longest one, so most
# positions are padding, and a model that has learned to predict the pad tag scores on
# all of them. lstmlab counts real tokens only, and reports the lab's figure beside it,
# clearly labelled:

# %%
print(
    f"accuracy over the {pos_metrics['tokens']:,} real test tokens: "
    f"{pos_metrics['token_accuracy']:.4f}"
)
print(
    f"the lab's padding-inclusive figure:   {pos_metrics['lab_padding_inclusive_accuracy']:.4f}"
    f"  ({pos_metrics['lab_padding_positions']:,} pad positions counted as correct)"
)
print(f"whole sentences right: {pos_metrics['sentence_accuracy']:.4f}")

# %% [markdown]
# ### Per-tag errors
#
# Which tags does it get wrong most often? Errors = support × (1 − recall); the confusion
# matrix shows the tags most confused with each other.

# %%
per_tag = pos_metrics["per_tag"]
worst = sorted(
    per_tag, key=lambda tag: per_tag[tag]["support"] * (1 - per_tag[tag]["recall"]), reverse=True
)[:10]
print(f"{'tag':<6}{'test tokens':>12}{'errors':>8}{'precision':>11}{'recall':>8}")
for tag in worst:
    scores = per_tag[tag]
    errors = round(scores["support"] * (1 - scores["recall"]))
    print(
        f"{tag:<6}{scores['support']:>12,}{errors:>8,}{scores['precision']:>11.3f}"
        f"{scores['recall']:>8.3f}"
    )
show(pos_dir, "confusion.png")

# %% [markdown]
# ### Unseen words
#
# A word the tagger never saw in training is `<unk>` to it: it has only the context to go
# on. That is where a word-only tagger fails (the `best` preset adds characters and casing:
# 88.9 % on unseen words, against about 40 % for the `lab` tagger with full settings).

# %%
print(f"known words:  {pos_metrics['known_word_accuracy']:.4f}")
print(
    f"unseen words: {pos_metrics['unseen_word_accuracy']:.4f} "
    f"({pos_metrics['unseen_words']:,} test tokens)"
)
pos_inspector = inspector_for(tagger)
answer = pos_inspector.predict("The glorbish vimbles sprocketed quietly over the frindle .")
for word, tag, p, unseen in zip(
    answer["tokens"], answer["tags"], answer["probabilities"], answer["unseen"], strict=True
):
    print(f"{word:<12} {tag:<5} p={p:.2f}{'   <- unseen in training' if unseen else ''}")

# %% [markdown]
# ## 5. Inside the trained tagger: its gates on a sentence
#
# `lstmlab.inspect` runs a trained model's LSTM again as `lstmlab.nn.LSTM`, with the same
# weights, and keeps every gate (the command line: `lstmlab explain RUN TEXT`). Per token,
# the units with the largest |h_t| (what the tag classifier reads most), then heatmaps of
# the cell state, hidden state and every gate for the most active units. The sentence is a
# garden path: "man" is its verb (VBP), which a reader, or an LSTM reading left to right,
# only learns at "the boats"; the backward direction (`direction="bwd"`) has read them.

# %%
sentence = "The old man the boats ."
encoded = pos_inspector.encode(sentence)
trace = pos_inspector.trace(encoded)
forward = trace.select(layer=0, direction="fwd")  # LSTMGates, each (T, 64)
print("tags:", pos_inspector.predict(sentence)["tags"])
print(f"{'token':<8}{'unit':>5}" + "".join(f"{name:>8}" for name in "ifgoch"))
for token, units in zip(encoded.tokens, top_units(forward, k=3), strict=True):
    for rank, unit in enumerate(units):
        print(
            f"{token if rank == 0 else '':<8}{unit['unit']:>5}"
            + "".join(f"{unit[name]:8.3f}" for name in "ifgoch")
        )

most_active = forward.h.abs().mean(dim=0).topk(12).indices.tolist()
plot_heatmaps(
    forward,
    encoded.tokens,
    RUNS / "tagger-gates.png",
    "the tagger's forward LSTM: its 12 most active units",
    units=most_active,
)
display(Image(filename=str(RUNS / "tagger-gates.png")))

# %% [markdown]
# ## 6. A language model: pre-training and generation
#
# A language model learns to predict each next word. lstmlab's `lm` task trains one on
# IMDb's training and 50,000 unlabelled reviews (never the test reviews), with truncated
# back-propagation through time and an adaptive softmax. Its LSTM can then start a
# sentiment classifier (`preset="pretrained"` with `model.init_from` set to the LM's run:
# ULMFiT's recipe). The small settings train a tiny model on 300 reviews — it will babble;
# the full `best` preset reads 30,000 reviews (about 30 minutes on 2 cores).

# %%
SMALL = True  # False: the `best` preset (30,000 reviews, 256 units, about 30 minutes)
lm_small = (
    {
        "train.epochs": 1,
        "data.max_documents": 300,
        "data.val_fraction": 0.0005,  # 37 reviews each for validation and test
        "data.bptt": 35,
        "model.embedding_dim": 64,
        "model.hidden_size": 64,
        "train.warmup_steps": 0,  # the preset warms up for 200 steps; this run has ~35
        "train.lr": 0.01,
    }
    if SMALL
    else {}
)

lm_dir = run_folder("lm")
lm_metrics = lstmlab.train(
    "lm", preset="best", out=lm_dir, **lm_small, **{"train.threads": THREADS}
)
print(
    f"test perplexity {lm_metrics['test_perplexity']:.1f}, "
    f"next-word accuracy {lm_metrics['test_accuracy']:.3f}"
)
lm = lstmlab.load(lm_dir)
for temperature in (0.5, 1.0):
    text = lm.generate("this movie", tokens=25, temperature=temperature, top_k=50, seed=0)
    print(f"temperature {temperature}: {text}")

# %% [markdown]
# Lower temperatures pick likelier words (duller, more repetitive text); higher ones take
# more risks. To fine-tune a classifier from a full-size language model:
#
# ```python
# lstmlab.train("sentiment", preset="pretrained", **{"model.init_from": str(lm_dir)})
# ```
#
# (the `pretrained` preset's sizes are the `best` LM's, so train the LM with `SMALL = False`).
