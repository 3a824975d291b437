"""Read a corpus: a folder of .txt/.md/.html files, or one .jsonl file.

* A folder is read recursively (``files``); hidden files and folders (".name") and other
  extensions are ignored, and so are broken links (with a warning). The article id is
  the file's path relative to the folder without its extension (``ids``): "story" for
  story.txt, "2024/jan/story" for 2024/jan/story.txt.
  A ``<stem>.meta.json`` sidecar next to a file gives explicit title/date/url/source
  (``sidecar``); each file is decoded (``decode``) and cleaned (``clean``) into an article
  (``article_file``).
* A .jsonl file holds one article per line (``jsonl``): ``id`` and ``text`` are required,
  ``title``, ``date``, ``url`` and ``source`` optional (strings or null).

Articles come back sorted by id (``read``). Problems that lose data (malformed JSONL line, bad
sidecar, duplicate id, unreadable file) raise CorpusError unless ``skip_bad`` is set,
then the item is skipped with a warning (``report``). Files that hold no article (binary, empty,
only boilerplate) are always skipped with a warning. Warnings are returned, never printed.
``fingerprint`` hashes a corpus's content, and an article's.

Every name is used as ``evqa.corpus.<name>``; tests replace ``_read_file`` there, so the
readers in ``read`` call it through the package.
"""

from evqa.corpus.article_file import _read_file as _read_file  # see above
from evqa.corpus.clean import clean_article
from evqa.corpus.decode import decode_text, is_binary, printable
from evqa.corpus.files import (
    JSONL_SUFFIXES,
    SIDECAR_SUFFIX,
    SUPPORTED_SUFFIXES,
    SourceFile,
    list_files,
)
from evqa.corpus.fingerprint import article_hash, corpus_fingerprint
from evqa.corpus.ids import MAX_ID_CHARS, safe_id
from evqa.corpus.read import (
    CorpusRead,
    CorpusStream,
    iter_corpus,
    read_article_file,
    read_corpus,
)
from evqa.corpus.report import SKIP_HINT

__all__ = [
    "JSONL_SUFFIXES",
    "MAX_ID_CHARS",
    "SIDECAR_SUFFIX",
    "SKIP_HINT",
    "SUPPORTED_SUFFIXES",
    "CorpusRead",
    "CorpusStream",
    "SourceFile",
    "article_hash",
    "clean_article",
    "corpus_fingerprint",
    "decode_text",
    "is_binary",
    "iter_corpus",
    "list_files",
    "printable",
    "read_article_file",
    "read_corpus",
    "safe_id",
]
