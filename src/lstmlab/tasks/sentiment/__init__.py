"""Sentiment classification of reviews (IMDb, or the user's labelled review files).

The parts: ``config`` (the ``[data]`` settings), ``codec`` (review -> ids, logits ->
label), ``training``, ``predictor`` (``predict``), ``export`` (ONNX graph, model card),
``inspector`` (per-word evidence for ``explain`` and the page) and ``presets/``.
Fine-tuning from a language-model run (``model.init_from``) is the LM task's
``lstmlab.tasks.lm.finetune``.
"""

from lstmlab.tasks.spec import Command, Option, TaskSpec

TASK = TaskSpec(
    name="sentiment",
    help="sentiment classification: IMDb (or your own labelled reviews)",
    package=__name__,
    order=10,
    config="config:SentimentData",
    model="config:TextClassifierConfig",
    codec="codec:ReviewCodec",
    training="training:SentimentTraining",
    predictor="predictor:SentimentPredictor",
    export="export:SentimentExport",
    inspector="inspector:SentimentInspector",
    train_options=(
        Option.file("--train", "your own training file ('pos<TAB>text' / 'neg<TAB>text' lines)"),
        Option.file("--test", "your own test file"),
    ),
    command=Command(
        "predict",
        "label reviews with a trained sentiment run",
        example='"A moving, funny film."',
    ),
)
