import numpy as np
import pytest

from lstmlab.training.metrics import accuracy, confusion_matrix, most_confused, per_class_scores


def test_confusion_and_scores_by_hand():
    true = np.array([0, 0, 1, 1, 1, 2])
    predicted = np.array([0, 1, 1, 1, 0, 2])
    confusion = confusion_matrix(true, predicted, 3)
    assert confusion.tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    assert accuracy(confusion) == pytest.approx(4 / 6)
    scores = per_class_scores(confusion, ["a", "b", "c"])
    assert scores["b"]["precision"] == pytest.approx(2 / 3)
    assert scores["b"]["recall"] == pytest.approx(2 / 3)
    assert scores["a"]["f1"] == pytest.approx(0.5)
    assert scores["c"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}


def test_undefined_scores_are_zero_and_most_confused():
    confusion = np.array([[0, 0, 0], [0, 5, 3], [0, 1, 4]])
    scores = per_class_scores(confusion, ["a", "b", "c"])
    assert scores["a"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert most_confused(confusion, ["a", "b", "c"], top=2) == [1, 2]


def test_the_confusion_plot_has_a_colour_bar(tmp_path, monkeypatch):
    import numpy as np
    from matplotlib.figure import Figure

    from lstmlab.training.plots import plot_confusion

    seen = {}
    save = Figure.savefig

    def capture(figure, *args, **kwargs):
        seen["axes"] = len(figure.axes)
        seen["label"] = figure.axes[-1].get_ylabel()
        save(figure, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", capture)
    plot_confusion(np.array([[5, 1], [2, 7]]), ["neg", "pos"], tmp_path / "c.png", "test")
    assert seen["axes"] == 2 and "share of the true class" in seen["label"]


def test_averaged_probabilities_and_their_metrics_by_hand():
    from lstmlab.errors import ConfigError
    from lstmlab.training.metrics import averaged_probabilities, probability_metrics

    labels = np.array([0, 1, 1])
    first = [np.array([0.9, 0.1]), np.array([0.6, 0.4]), np.array([0.2, 0.8])]
    second = [np.array([0.5, 0.5]), np.array([0.2, 0.8]), np.array([0.6, 0.4])]
    mean = averaged_probabilities([labels, labels], [first, second])
    assert np.allclose(np.stack(mean), [[0.7, 0.3], [0.4, 0.6], [0.4, 0.6]])
    metrics = probability_metrics(labels, mean)
    assert metrics["accuracy"] == pytest.approx(1.0)  # each run alone gets 2 of 3
    assert metrics["loss"] == pytest.approx(-np.log([0.7, 0.6, 0.6]).mean())
    with pytest.raises(ConfigError, match="other examples"):
        averaged_probabilities([labels, labels[::-1]], [first, second])
    with pytest.raises(ConfigError, match="numbers of classes"):
        averaged_probabilities([labels, labels], [first, [np.ones(3) / 3] * 3])
