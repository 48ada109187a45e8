"""Use an exported bundle without PyTorch: ONNX Runtime, numpy and lstmlab's tokenizers.

    from lstmlab.runtime import load_bundle

    classifier = load_bundle("bundles/sentiment")
    classifier.predict("A moving, funny film.")     # {"label": "pos", "probability": ...}
    tagger = load_bundle("bundles/pos")
    tagger.tag("The cat sat on the mat .")          # [("The", "DT"), ("cat", "NN"), ...]

or from a shell: ``python -m lstmlab.runtime BUNDLE "A moving, funny film."``. Nothing
here imports torch (a test checks it with torch made unimportable): install lstmlab
without its dependencies and add ``onnxruntime`` and ``numpy`` (see the README).
"""

from lstmlab.runtime.manifest import is_bundle, read_manifest
from lstmlab.runtime.predictor import OnnxGraph, load_bundle

__all__ = ["OnnxGraph", "is_bundle", "load_bundle", "read_manifest"]
