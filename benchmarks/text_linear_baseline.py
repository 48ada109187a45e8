"""The linear baseline an LSTM on TREC must beat: tf-idf uni+bigrams and a linear SVM.

TREC question classification (Li & Roth 2002, NLTK's qc.zip): trained on the 5,452 train
questions, tested once on the 500 TREC-10 questions, for the 6 coarse classes and the 50
fine ones. Features: lower-cased word uni- and bigrams (whitespace tokens, as the files are
tokenized), sublinear tf-idf; a one-vs-rest L2 linear SVM (liblinear), C=1.

    pip install -e '.[bench]'        # scikit-learn: a benchmark-only extra
    python benchmarks/text_linear_baseline.py --data-dir ../shared/data

Prints test accuracy, macro-F1 and seconds for each label set.
"""

from __future__ import annotations

import argparse
import time

from lstmlab.data.registry import locate
from lstmlab.data.trec import LABEL_SETS, read_trec


def tfidf_svm(train_texts, train_labels, test_texts, test_labels, c: float) -> dict[str, float]:
    """Test accuracy, macro-F1 and seconds (features + fit + predict)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.svm import LinearSVC

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(
        lowercase=True, token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True
    )
    model = LinearSVC(C=c)
    model.fit(vectorizer.fit_transform(train_texts), train_labels)
    predicted = model.predict(vectorizer.transform(test_texts))
    return {
        "accuracy": float(accuracy_score(test_labels, predicted)),
        "macro_f1": float(f1_score(test_labels, predicted, average="macro", zero_division=0)),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    args = parser.parse_args()
    qc = locate("trec", args.data_dir)
    for labels in LABEL_SETS:
        train, test = read_trec(qc, "train", labels), read_trec(qc, "test", labels)
        scores = tfidf_svm(
            [q.text for q in train],
            [q.label for q in train],
            [q.text for q in test],
            [q.label for q in test],
            args.c,
        )
        classes = len({q.label for q in train})
        print(
            f"TREC {labels} ({classes} classes): test accuracy {scores['accuracy']:.2%}, "
            f"macro-F1 {scores['macro_f1']:.4f}, {scores['seconds']:.1f} s "
            f"({len(train):,} train, {len(test):,} test questions)"
        )


if __name__ == "__main__":
    main()
