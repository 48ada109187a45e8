"""Text classification of the user's own labelled texts, or of TREC questions.

Any number of classes, named by the training data; multi-label as a setting
(``data.multi_label``: a sigmoid per label and ``data.threshold``). Files: CSV or TSV with
a header, JSON lines, ``label<TAB>text`` (:mod:`lstmlab.data.labelled`), or data in
memory through ``lstmlab.train("classify", train=[(text, label), ...])``.

The parts: ``config`` (the ``[data]`` settings), ``codec`` (text -> ids, logits ->
labels), ``metrics`` (accuracy, macro/micro-F1, subset accuracy from summable counts),
``training``, ``predictor`` (``predict``), ``export`` (ONNX graph, model card),
``inspector`` (the classes panel for ``explain`` and the page) and ``presets/`` (``trec``).
"""

from lstmlab.tasks.spec import Command, Option, TaskSpec

TASK = TaskSpec(
    name="classify",
    help="text classification: your own labelled texts (CSV, TSV, JSONL), or TREC",
    package=__name__,
    order=40,
    config="config:ClassifyData",
    model="config:TextClassifierConfig",
    codec="codec:TextCodec",
    training="training:ClassifyTraining",
    predictor="predictor:ClassifyPredictor",
    export="export:ClassifyExport",
    inspector="inspector:ClassifyInspector",
    train_options=(
        Option(
            "--corpus", "built-in corpus", setting="data.corpus", kind="choice", choices=("trec",)
        ),
        Option.file(
            "--train", "your training file: CSV/TSV with a header, JSON lines, or label<TAB>text"
        ),
        Option.file("--valid", "your validation file (else carved from --train)"),
        Option.file("--test", "your test file (optional)"),
        Option(
            "--text-column", "the column (or JSON key) holding the text", setting="data.text_column"
        ),
        Option(
            "--label-column",
            "the column (or JSON key) holding the label",
            setting="data.label_column",
        ),
    ),
    command=Command(
        "predict", "label texts with a trained classify run", example='"What is a caldera ?"'
    ),
)
