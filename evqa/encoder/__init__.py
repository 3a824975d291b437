"""The embedding model: resolve it, identify it by weight hash, embed documents and queries.

* ``model`` finds the model folder (the bundled all-MiniLM-L6-v2 by default, or any local
  sentence-transformers folder, checked by ``folder``) and identifies it by the sha256 of its
  weights (``weights``: cached per (path, size, mtime_ns) so the cold query path does not
  re-hash 90 MB).
* ``documents`` embeds chunks on the CPU, length-sorted (``vectors``): with sentence-transformers
  (``torch``, loaded by ``torch_model``) or with onnxruntime over the export below (``onnx``,
  ``onnx-int8``: ``onnx_documents``, the int8 graph made by ``int8``).
* ``onnx_export`` exports the whole sentence-transformers pipeline (transformer, pooling, any
  dense layers, normalisation) to ONNX once, at index build time (the graph files:
  ``onnx_graph``); ``query`` then embeds queries with onnxruntime + ``tokenizers`` and never
  imports torch (it falls back to sentence-transformers if there is no usable export).

Importing this package is cheap: torch, sentence-transformers, transformers and onnxruntime are
imported inside the functions that need them. Nothing here touches the network.

The names below are what other packages use. Modules of this package import what they call
from the module that defines it, so a test replaces a name in the module that looks it up.
"""

from evqa.encoder.documents import encode_documents
from evqa.encoder.model import (
    BUNDLED_SHA256,
    ModelInfo,
    recorded_folder,
    recorded_path,
    resolve_model,
)
from evqa.encoder.onnx_export import ONNX_FORMAT, OPTIMISED, ensure_onnx, has_onnx, onnx_dir
from evqa.encoder.query import TorchQueryEncoder, load_query_encoder
from evqa.encoder.torch_model import ensure_offline
from evqa.encoder.weights import HASH_CACHE

__all__ = [
    "BUNDLED_SHA256",
    "HASH_CACHE",
    "ONNX_FORMAT",
    "OPTIMISED",
    "ModelInfo",
    "TorchQueryEncoder",
    "encode_documents",
    "ensure_offline",
    "ensure_onnx",
    "has_onnx",
    "load_query_encoder",
    "onnx_dir",
    "recorded_folder",
    "recorded_path",
    "resolve_model",
]
