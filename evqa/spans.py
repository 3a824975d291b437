"""What the spans an index stores promise their readers; :mod:`evqa.analysis` makes them.

Cheap to import: the query path (the staleness check, the answer's kind of question) reads
these without compiling the analysis's regular expressions.
"""

from __future__ import annotations

# Bump when the spans analyze() produces change: indexes built with another version are
# stale, and a rebuild does not reuse their stored spans.
ANALYSIS_VERSION = 1
NUMERIC_LABELS = frozenset({"QUANTITY", "PERCENT", "MONEY", "CARDINAL"})
