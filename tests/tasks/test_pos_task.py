"""POS task pieces: padding never counts; the report's figures by hand."""

import torch

from lstmlab.data.batching import collate
from lstmlab.data.tagged import TaggedSentence
from lstmlab.data.tokenize import split_words
from lstmlab.data.vocab import Vocab
from lstmlab.tasks import get_task
from lstmlab.tasks.pos.codec import SentenceCodec
from lstmlab.tasks.pos.config import PosData
from lstmlab.tasks.pos.training import example, read_corpus, tagged_examples, tagging_report

POS = get_task("pos").trainer()


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

    def forward(self, ids, lengths, chars=None, casing=None, features=None):
        positions = torch.arange(ids.shape[1]) % 3
        return (
            torch.nn.functional.one_hot(positions, 3).float().expand(ids.shape[0], -1, -1)
            + 0 * self.weight
        )

    def loss(self, emissions, tags, mask, reduction="sum"):
        return torch.nn.functional.cross_entropy(emissions[mask], tags[mask], reduction=reduction)

    def decode(self, emissions, mask):
        return emissions.argmax(-1).masked_fill(~mask, -100)


class ViterbiTagger(FixedTagger):
    """Its decoding (as a CRF's Viterbi path may) disagrees with the per-token argmax:
    it always answers tag 2 (VBD)."""

    def decode(self, emissions, mask):
        return torch.full(mask.shape, 2).masked_fill(~mask, -100)


def examples():
    codec = SentenceCodec(PosData(), tiny_state())
    return [
        example(codec, TaggedSentence(["The", "cat", "sat"], ["DT", "NN", "VBD"])),
        example(codec, TaggedSentence(["The", "dog"], ["DT", "VBD"])),
    ]


def test_units_are_real_tokens_only():
    batch = collate(examples())
    assert batch["mask"].sum() == 5 and batch["ids"].shape == (2, 3)
    result = POS.step(FixedTagger().eval(), batch)
    assert result.counts["units"] == 5
    # "dog" (position 1) is predicted NN but is VBD; the pad is ignored
    assert result.counts["correct"] == 4
    assert result.outputs == [[0, 1, 2], [0, 1]]  # each sentence's tags, real tokens only


def test_evaluation_decodes_as_the_tagger_predicts_and_training_uses_argmax():
    batch = collate(examples())
    evaluated = POS.step(ViterbiTagger().eval(), batch)
    assert evaluated.counts["correct"] == 2  # the decoded path: VBD everywhere
    assert evaluated.outputs == [[2, 2, 2], [2, 2]]
    trained = POS.step(ViterbiTagger().train(), batch)
    assert trained.counts["correct"] == 4 and trained.outputs is None


def test_report_by_hand():
    outputs = [[0, 1, 2], [0, 1]]  # FixedTagger's tags
    report = tagging_report(examples(), outputs, tiny_state(), None)
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

    codec = SentenceCodec(PosData(), tiny_state())
    with pytest.raises(DataError, match=r"test\.txt has tags never seen in training: JJ"):
        tagged_examples(codec, [TaggedSentence(["big"], ["JJ"])], "test.txt")


def test_user_files_honour_the_column_settings(tmp_path):
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
