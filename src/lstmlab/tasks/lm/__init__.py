"""Word-level language modelling (IMDb's train and unlabelled reviews, or text files).

The parts: ``config`` (the ``[data]`` settings), ``codec`` (text -> the stream's ids,
ids -> words), ``training`` (truncated BPTT, perplexity), ``predictor`` (``generate``),
``inspector`` (next words and each word's probability for ``explain`` and the page),
``finetune`` (a classifier of ``sentiment`` or ``classify`` starting from an LM run,
``model.init_from``), ``adapt`` (an LM run continued on new text, its vocabulary extended:
ULMFiT's second stage, the LM's own ``model.init_from``) and ``presets/``. No export part:
``lstmlab export --format safetensors`` is what an LM gets.
"""

from lstmlab.tasks.spec import Command, Option, TaskSpec

TASK = TaskSpec(
    name="lm",
    help="language modelling: IMDb train + unlabelled reviews (or your own text files)",
    package=__name__,
    order=30,
    config="config:LmData",
    model="config:LanguageModelConfig",
    codec="codec:LmCodec",
    training="training:LmTraining",
    predictor="predictor:LmPredictor",
    inspector="inspector:LmInspector",
    train_options=(
        Option.file(
            "--train",
            "your own training text (one document a line; .gz too)",
            implies=("data.corpus=files",),
        ),
        Option.file("--valid", "your own validation text", implies=("data.corpus=files",)),
        Option.file("--test", "your own test text (optional)"),
    ),
    command=Command(
        "generate",
        "continue a prompt with a trained language model",
        options=(
            Option("--tokens", "words to generate (50)", setting="tokens", kind="int", default=50),
            Option(
                "--temperature",
                "sampling temperature; lower is more predictable (1.0)",
                setting="temperature",
                kind="float",
                default=1.0,
            ),
            Option(
                "--top-k",
                "sample among the K likeliest words only (0: all)",
                setting="top_k",
                kind="int",
                default=0,
            ),
            Option("--seed", "random seed (0)", setting="seed", kind="int", default=0),
        ),
        empty_text_allowed=True,
        example='"This movie"',
    ),
)
