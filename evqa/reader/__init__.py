"""The learned extractive reader: windows of (question, passage), span decoding, and
the ONNX session that scores them. Training lives in ``eval/train_reader.py``."""
