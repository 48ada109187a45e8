"""The linear baseline an LSTM on IMDb must beat: NB-weighted n-grams + logistic regression.

NBSVM-style features (Wang & Manning 2012): binary n-gram counts scaled by the naive-Bayes
log-count ratio r = log((p / |p|_1) / (q / |q|_1)), then an L2 logistic regression. Trained
on the 25,000 train reviews of the official split, tested once on the 25,000 test reviews;
the same review tokenizer as lstmlab's models.

    pip install -e '.[bench]'        # scikit-learn: a benchmark-only extra
    python benchmarks/imdb_linear_baseline.py --data-dir ../shared/data

Prints accuracy and seconds for unigrams+bigrams and unigrams..trigrams.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lstmlab.data.imdb import read_imdb_splits
from lstmlab.data.registry import locate
from lstmlab.data.tokenize import review_tokenize


def nb_logistic_regression(
    train_texts, train_labels, test_texts, test_labels, max_n: int, c: float
) -> tuple[float, float]:
    """Test accuracy and seconds (features + fit + predict) of NB-LR with 1..max_n-grams."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    vectorizer = CountVectorizer(
        tokenizer=review_tokenize,
        lowercase=False,
        token_pattern=None,
        ngram_range=(1, max_n),
        binary=True,
        min_df=2,
    )
    x_train = vectorizer.fit_transform(train_texts)
    x_test = vectorizer.transform(test_texts)
    y = np.asarray(train_labels)
    alpha = 1.0
    p = alpha + np.asarray(x_train[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(x_train[y == 0].sum(axis=0)).ravel()
    ratio = np.log((p / p.sum()) / (q / q.sum()))
    model = LogisticRegression(C=c, max_iter=1000, dual=True, solver="liblinear")
    model.fit(x_train.multiply(ratio).tocsr(), y)
    accuracy = float((model.predict(x_test.multiply(ratio).tocsr()) == test_labels).mean())
    return accuracy, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    args = parser.parse_args()
    started = time.perf_counter()
    reviews = read_imdb_splits(locate("imdb", args.data_dir), ("train", "test"))
    train, test = reviews["train"], reviews["test"]
    print(
        f"read IMDb: {len(train):,} train, {len(test):,} test reviews "
        f"({time.perf_counter() - started:.1f}s)"
    )
    texts = [[r.text for r in split] for split in (train, test)]
    labels = [np.array([r.label for r in split]) for split in (train, test)]
    for max_n, name in ((2, "unigrams+bigrams"), (3, "unigrams..trigrams")):
        accuracy, seconds = nb_logistic_regression(
            texts[0], labels[0], texts[1], labels[1], max_n, args.c
        )
        print(f"NB-LR {name:<20} test accuracy {accuracy:.4f}  {seconds:6.1f}s")


if __name__ == "__main__":
    main()
