"""The sizes inspection refuses beyond (imports no torch: the command line's help shows them)."""

# Leave-one-out evidence costs one forward pass per token, over the whole text each time
# (quadratic): beyond this many tokens it is refused rather than left to run for hours.
MAX_EVIDENCE_TOKENS = 5_000
