"""The records of evqa.types: a Hit's ``explain`` is read-only and its own."""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import replace

import pytest

from evqa.types import Chunk, Hit, RetrieverScore

BM25 = RetrieverScore(rank=1, score=7.5, share=0.75)
DENSE = RetrieverScore(rank=None, score=None, share=0.25)


def explained() -> Hit:
    return Hit(1, 0.9, Chunk("a#0", "a", 0, 4, "text"), explain={"dense": DENSE, "bm25": BM25})


def test_a_hits_explain_cannot_be_changed():
    hit = explained()
    with pytest.raises(TypeError):
        hit.explain["bm25"] = DENSE
    with pytest.raises(TypeError):
        del hit.explain["dense"]
    assert not hasattr(hit.explain, "update") and not hasattr(hit.explain, "pop")
    assert Hit(1, 0.9, hit.chunk).explain == {}  # the default too
    with pytest.raises(TypeError):
        Hit(1, 0.9, hit.chunk).explain["bm25"] = BM25


def test_a_hit_keeps_a_copy_of_the_dict_it_was_given():
    given = {"bm25": BM25}
    hit = Hit(1, 0.9, Chunk("a#0", "a", 0, 4, "text"), explain=given)
    given["dense"] = DENSE
    given["bm25"] = DENSE
    assert dict(hit.explain) == {"bm25": BM25}
    again = replace(hit, rank=2)  # a replaced hit's explain is read-only too
    with pytest.raises(TypeError):
        again.explain["bm25"] = DENSE
    assert dict(again.explain) == {"bm25": BM25}


def test_a_hits_dict_and_json_are_as_before():
    d = explained().to_dict(explain=True)
    assert type(d["explain"]) is dict and list(d["explain"]) == ["dense", "bm25"]  # as given
    assert json.dumps(d["explain"]) == (
        '{"dense": {"rank": null, "score": null, "share": 0.25}, '
        '"bm25": {"rank": 1, "score": 7.5, "share": 0.75}}'
    )
    assert "explain" not in explained().to_dict()


@pytest.mark.parametrize("clone", [lambda h: pickle.loads(pickle.dumps(h)), copy.deepcopy])
def test_a_hit_pickles_and_copies_with_its_explain_read_only(clone):
    hit = explained()
    back = clone(hit)
    assert back == hit and dict(back.explain) == dict(hit.explain)
    assert list(back.explain) == ["dense", "bm25"]
    with pytest.raises(TypeError):
        back.explain["bm25"] = DENSE
