"""POS task pieces: padding never counts; the report's figures by hand."""

import torch

from lstmlab.data.batching import collate
from lstmlab.data.tagged import TaggedSentence
from lstmlab.data.vocab import Vocab
from lstmlab.tasks.pos import POS, PosData, SentenceEncoder, split_words, tagging_report


def tiny_state():
    words = Vocab.build([["the", "cat", "sat"]])
    chars = Vocab.build([list("thecatsat")])
    tags = Vocab.build([["DT", "NN", "VBD"]], specials=())
    return {"vocab": words.to_dict(), "chars": chars.to_dict(), "tags": tags.to_dict()}


class FixedTagger(torch.nn.Module):
    """Predicts tag (position mod 3); lets the tests know every prediction in advance."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, ids, lengths, chars=None, casing=None):
        positions = torch.arange(ids.shape[1]) % 3
        return (
            torch.nn.functional.one_hot(positions, 3).float().expand(ids.shape[0], -1, -1)
            + 0 * self.weight
        )

    def loss(self, emissions, tags, mask, reduction="sum"):
        return torch.nn.functional.cross_entropy(emissions[mask], tags[mask], reduction=reduction)

    def decode(self, emissions, mask):
        return emissions.argmax(-1).masked_fill(~mask, -100)


def examples():
    encoder = SentenceEncoder(tiny_state(), PosData())
    return [
        encoder.example(TaggedSentence(["The", "cat", "sat"], ["DT", "NN", "VBD"])),
        encoder.example(TaggedSentence(["The", "dog"], ["DT", "VBD"])),
    ]


def test_units_are_real_tokens_only():
    batch = collate(examples())
    assert batch["mask"].sum() == 5 and batch["ids"].shape == (2, 3)
    result = POS.step(FixedTagger().eval(), batch)
    assert result.units == 5
    assert result.correct == 4  # "dog" (position 1) is predicted NN but is VBD; the pad is ignored


def test_report_by_hand():
    report = tagging_report(FixedTagger(), examples(), tiny_state(), None, torch.device("cpu"))
    assert report["tokens"] == 5
    assert report["token_accuracy"] == 4 / 5
    assert report["unseen_words"] == 1 and report["unseen_word_accuracy"] == 0.0  # "dog"
    assert report["known_word_accuracy"] == 1.0
    assert report["sentence_accuracy"] == 0.5
    # lab-style: one pad position (the short sentence padded to 3) counted as correct
    assert report["lab_padding_positions"] == 1
    assert report["lab_padding_inclusive_accuracy"] == 5 / 6
    assert report["per_tag"]["VBD"]["recall"] == 0.5


def test_split_words():
    assert split_words("The cat's toy, (well-known) costs $5.50.") == [
        "The",
        "cat",
        "'s",
        "toy",
        ",",
        "(",
        "well-known",
        ")",
        "costs",
        "$",
        "5.50",
        ".",
    ]
    assert split_words("I don't know") == ["I", "do", "n't", "know"]


def test_tags_unknown_to_the_model_are_a_data_error():
    import pytest

    from lstmlab.errors import DataError

    encoder = SentenceEncoder(tiny_state(), PosData())
    with pytest.raises(DataError, match=r"test\.txt has tags never seen in training: JJ"):
        encoder.tagged_examples([TaggedSentence(["big"], ["JJ"])], "test.txt")


def test_user_files_honour_the_column_settings(tmp_path):
    from lstmlab.tasks.pos import read_corpus

    conll = tmp_path / "c.txt"
    conll.write_text("He PRP B-NP\nran VBD B-VP\n\nDogs NNS B-NP\nbark VBP B-VP\n\n" * 10)
    conllu = tmp_path / "u.conllu"
    conllu.write_text(
        "# s\n1\tHe\the\tPRON\tPRP\t_\t2\tnsubj\t_\t_\n"
        "2\tran\trun\tVERB\tVBD\t_\t0\troot\t_\t_\n\n" * 10
    )

    def tags(path, **settings):
        cfg = PosData(corpus="files", train_file=str(path), test_file=str(path), **settings)
        splits = read_corpus(cfg, None, seed=0)  # train, validation, test
        return {tag for split in splits for sentence in split for tag in sentence.tags}

    assert tags(conll) == {"PRP", "VBD", "NNS", "VBP"}
    assert tags(conll, column=2) == {"B-NP", "B-VP"}  # the chunk column
    assert tags(conllu) == {"PRON", "VERB"}
    assert tags(conllu, conllu_tag="xpos") == {"PRP", "VBD"}
