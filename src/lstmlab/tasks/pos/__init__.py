"""Part-of-speech tagging (CoNLL-2000, Brown, or the user's own tagged files).

The parts: ``config`` (the ``[data]`` settings), ``codec`` (sentence -> word ids,
characters, casing; emissions -> tags, with the CRF's Viterbi), ``training``, ``predictor``
(``tag``), ``export`` (ONNX graph, CRF scores, model card), ``inspector`` (tags and their
probabilities for ``explain`` and the page) and ``presets/``.
"""

from lstmlab.tasks.spec import Command, Option, TaskSpec

TASK = TaskSpec(
    name="pos",
    help="part-of-speech tagging (CoNLL-2000, Brown, your own tagged files)",
    package=__name__,
    order=20,
    config="config:PosData",
    model="config:SequenceTaggerConfig",
    codec="codec:SentenceCodec",
    training="training:PosTraining",
    predictor="predictor:PosPredictor",
    export="export:PosExport",
    inspector="inspector:PosInspector",
    train_options=(
        Option(
            "--corpus",
            "tagged corpus",
            setting="data.corpus",
            kind="choice",
            choices=("conll2000", "brown"),
        ),
        Option.file(
            "--train",
            "your own training file ('word tag' columns, CoNLL or CoNLL-U)",
            implies=("data.corpus=files",),
        ),
        Option.file("--test", "your own test file"),
        Option.file("--dev", "your own validation file"),
    ),
    command=Command(
        "tag",
        "tag sentences with a trained POS run",
        options=(
            Option(
                "--tokenized",
                "split on spaces only (else punctuation is split off)",
                setting="tokenized",
                kind="flag",
            ),
        ),
        example='"The cat sat on the mat ."',
    ),
)
