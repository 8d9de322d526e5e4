"""Documents of any length: sentences with their offsets (segmentation.py), pieces that fit the model's
input window (fitting.py), chunks for summarization (chunking.py)."""
