"""Read a corpus: a folder of .txt/.md/.html files, or one .jsonl file.

* A folder is read recursively (``files``); hidden files and folders (".name") are ignored,
  files of other extensions and broken links skipped with a warning. The article id is
  the file's path relative to the folder without its extension (``ids``): "story" for
  story.txt, "2024/jan/story" for 2024/jan/story.txt.
  A ``<stem>.meta.json`` sidecar next to a file gives explicit title/date/url/source
  (``sidecar``); each file is decoded (``decode``) and turned into an article (``article_file``).
* A .jsonl file holds one article per line (``jsonl``): ``id`` and ``text`` are required,
  ``title``, ``date``, ``url``, ``source`` and ``format`` optional (strings or null). ``format``
  ("text", "markdown" or "html") says how ``text`` is read; without it, a text that uses
  several kinds of Markdown syntax is read as Markdown, any other as plain text.
* ``clean`` turns raw text into an Article: the text's boilerplate is dropped and HTML and
  Markdown reduced to text by the rules of ``cleaning``; front matter, metadata fields and
  the title and date heuristics are ``metadata``'s.

Articles come back sorted by id (``read``). Problems that lose data (malformed JSONL line,
duplicate id, unreadable file, bad sidecar) raise CorpusError unless ``skip_bad`` is set
(``read_corpus`` and ``check_corpus``: one error naming them all; ``iter_corpus``: the
first, so a streaming writer runs ``check_corpus`` before it writes), then the item is
skipped with a warning (``report``; a bad sidecar is ignored, its file read
without it). Files that hold no article (binary, empty, only boilerplate) and articles that
repeat an earlier one's text (``duplicates``) are always skipped with a warning. Warnings are
returned, never printed.
``fingerprint`` hashes a corpus's content, and an article's.

The names below are what other packages use. Modules of this package import what they call
from the module that defines it, so a test replaces a name in the module that looks it up.
"""

from evqa.corpus.clean import clean_article
from evqa.corpus.decode import decode_text, printable
from evqa.corpus.fingerprint import article_hash, corpus_fingerprint
from evqa.corpus.ids import safe_id
from evqa.corpus.read import check_corpus, iter_corpus, read_corpus
from evqa.corpus.report import SKIP_HINT

__all__ = [
    "SKIP_HINT",
    "article_hash",
    "check_corpus",
    "clean_article",
    "corpus_fingerprint",
    "decode_text",
    "iter_corpus",
    "printable",
    "read_corpus",
    "safe_id",
]
