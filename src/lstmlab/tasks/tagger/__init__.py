"""Sequence labelling of any CoNLL-style file: chunking, named entities, POS.

The POS task generalised: the tag column is a setting (the last by default), the span
scheme (IOB1, IOB2, BIOES) is told from the training tags or set, and runs report
conlleval's span precision, recall and F1 per type and overall (epoch, selection and test
metrics; :mod:`lstmlab.training.spans`). With a CRF, decoding is held to the scheme's valid
transitions (``model.constrained``). ``tag`` prints the spans too; ``--json`` gives their
token and character offsets.

The parts: ``config``, ``codec`` (the POS codec plus spans), ``training``, ``predictor``
(``tag``, ``spans``), ``export``, ``inspector`` and ``presets/`` (``chunk``, ``chunk-pos``,
``ner-es``, ``ner-nl``). ``data.feature_columns`` reads other columns of the file (POS ...)
as inputs beside the words: such a run tags CoNLL files (``tag --file``), not plain text.
"""

from lstmlab.tasks.spec import Command, Option, TaskSpec

TASK = TaskSpec(
    name="tagger",
    help="sequence labelling with span F1: CoNLL-2000 chunking, CoNLL-2002 NER, your files",
    package=__name__,
    order=50,
    config="config:TaggerData",
    model="config:TaggerModelConfig",
    codec="codec:TaggerCodec",
    training="training:TaggerTraining",
    predictor="predictor:TaggerPredictor",
    export="export:TaggerExport",
    inspector="inspector:TaggerInspector",
    train_options=(
        Option(
            "--corpus",
            "built-in corpus",
            setting="data.corpus",
            kind="choice",
            choices=("conll2000", "conll2002"),
        ),
        Option.file("--train", "your training file (CoNLL columns, 'word tag' lines or CoNLL-U)"),
        Option.file("--valid", "your validation file (else carved from --train)"),
        Option.file("--test", "your test file (optional)"),
        Option(
            "--column",
            "the tag column of a CoNLL file (-1: the last)",
            setting="data.column",
            kind="int",
        ),
        Option(
            "--scheme",
            "the span scheme (auto: told from the training tags; none: no spans)",
            setting="data.scheme",
            kind="choice",
            choices=("auto", "iob1", "iob2", "bioes", "none"),
        ),
    ),
    command=Command(
        "tag",
        "tag sentences with a trained run (and show its spans)",
        options=(
            Option(
                "--tokenized",
                "split on spaces only (else punctuation is split off)",
                setting="tokenized",
                kind="flag",
            ),
        ),
        example='"Kim Sang lives in Amsterdam ."',
    ),
)
