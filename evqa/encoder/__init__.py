"""The embedding model: resolve it, identify it by weight hash, embed documents and queries.

* ``model`` finds the model folder (the bundled all-MiniLM-L6-v2 by default, or any local
  sentence-transformers folder, checked by ``folder``) and identifies it by the sha256 of its
  weights (``weights``: cached per (path, size, mtime_ns) so the cold query path does not
  re-hash 90 MB).
* ``documents`` embeds chunks on the CPU, length-sorted: with sentence-transformers (``torch``,
  loaded by ``torch_model``) or with onnxruntime over the export below (``onnx``, ``onnx-int8``:
  see evqa.doc_encoder and evqa.onnx_int8).
* ``onnx_export`` exports the whole sentence-transformers pipeline (transformer, pooling, any
  dense layers, normalisation) to ONNX once, at index build time (the graph files:
  ``onnx_graph``); ``query`` then embeds queries with onnxruntime + ``tokenizers`` and never
  imports torch (it falls back to sentence-transformers if there is no usable export).

Importing this package is cheap: torch, sentence-transformers, transformers and onnxruntime are
imported inside the functions that need them. Nothing here touches the network.

Every name is used as ``evqa.encoder.<name>``, and tests replace ``_load_st``, ``ensure_onnx``,
``encode_documents``, ``resolve_model`` and ``load_query_encoder`` there: the modules of this
package call ``_load_st`` and ``ensure_onnx`` through the package for that reason.
"""

from evqa.encoder.documents import encode_documents, normalise
from evqa.encoder.files import atomic_write_bytes
from evqa.encoder.folder import WEIGHT_FILES, model_dim
from evqa.encoder.model import (
    BUNDLED_NAME,
    BUNDLED_SHA256,
    ModelInfo,
    recorded_folder,
    recorded_path,
    resolve_model,
)
from evqa.encoder.onnx_export import (
    ONNX_DIR,
    ONNX_FORMAT,
    OPTIMISED,
    ensure_onnx,
    export_meta,
    has_onnx,
    onnx_dir,
)
from evqa.encoder.onnx_graph import ONNX_OPSET
from evqa.encoder.query import (
    ONNX_THREADS,
    OnnxQueryEncoder,
    QueryEncoder,
    TorchQueryEncoder,
    load_query_encoder,
)
from evqa.encoder.torch_model import _load_st as _load_st  # see above
from evqa.encoder.torch_model import ensure_offline
from evqa.encoder.weights import HASH_CACHE, weights_sha256

__all__ = [
    "BUNDLED_NAME",
    "BUNDLED_SHA256",
    "HASH_CACHE",
    "ONNX_DIR",
    "ONNX_FORMAT",
    "ONNX_OPSET",
    "ONNX_THREADS",
    "OPTIMISED",
    "WEIGHT_FILES",
    "ModelInfo",
    "OnnxQueryEncoder",
    "QueryEncoder",
    "TorchQueryEncoder",
    "atomic_write_bytes",
    "encode_documents",
    "ensure_offline",
    "ensure_onnx",
    "export_meta",
    "has_onnx",
    "load_query_encoder",
    "model_dim",
    "normalise",
    "onnx_dir",
    "recorded_folder",
    "recorded_path",
    "resolve_model",
    "weights_sha256",
]
