"""Data sets, readers, tokenizers, the vocabulary and batching, shared by both tasks."""
