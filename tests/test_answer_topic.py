from evqa.answer.topic import closeness, far_off, names_mentioned, off_topic
from evqa.types import Chunk, Hit, RetrieverScore


def _hit(rank: int, dense: float | None, bm25: float = 3.0) -> Hit:
    explain = {"bm25": RetrieverScore(rank, bm25, 0.5)}
    if dense is not None:
        explain["dense"] = RetrieverScore(rank, dense, 0.5)
    return Hit(rank, 1.0, Chunk(f"a#{rank}", "a", 0, 4, "text"), explain=explain)


def test_closeness_is_the_best_dense_cosine_of_the_hits():
    assert closeness([_hit(1, 0.21), _hit(2, 0.34), _hit(3, None)]) == 0.34


def test_hits_no_dense_retriever_scored_have_no_closeness():
    assert closeness([_hit(1, None), _hit(2, None)]) is None
    assert closeness([]) is None
    unscored = Hit(
        1, 1.0, Chunk("a#1", "a", 0, 4, "text"), explain={"dense": RetrieverScore(None, None, 0.0)}
    )
    assert closeness([unscored]) is None


def test_off_topic_only_when_even_the_closest_hit_is_below_the_bound():
    assert off_topic("q", [_hit(1, 0.12), _hit(2, 0.2)], 0.25)
    assert not off_topic("q", [_hit(1, 0.12), _hit(2, 0.3)], 0.25)
    assert not off_topic("q", [_hit(1, 0.12)], None)  # no bound: never
    assert not off_topic("q", [_hit(1, None)], 0.25)  # bm25 mode: not measured, not judged


def test_a_question_whose_names_the_passages_all_mention_is_about_them_however_far():
    far = [_hit(1, 0.2), _hit(2, 0.1)]
    far[0] = Hit(1, 1.0, Chunk("a#1", "a", 0, 40, "Ouyang Minggao of Tsinghua University said"),
                 explain=far[0].explain)  # fmt: skip
    assert names_mentioned("Which university does Ouyang Minggao work at?", ["Ouyang Minggao."])
    assert not off_topic("Which university does Ouyang Minggao work at?", far, 0.25)
    assert off_topic("Who won the 2025 Tour de France?", far, 0.25)  # "Tour", "France": no
    assert off_topic("sourdough starter feeding schedule", far, 0.25)  # no names to go by
    assert not names_mentioned("how fast is it?", ["anything"])


def test_far_off_needs_a_measured_closeness_below_the_bound_and_reads_passages_only_then():
    read = []

    def passages():
        read.append(True)
        yield "Ouyang Minggao of Tsinghua University"

    assert not far_off("Who is Ouyang Minggao?", 0.5, passages(), 0.25)
    assert not far_off("Who is Ouyang Minggao?", None, passages(), 0.25)
    assert read == []  # not below the bound: the passages are not read
    assert not far_off("Who is Ouyang Minggao?", 0.1, passages(), 0.25)  # names mentioned
    assert far_off("Who won the Tour de France?", 0.1, ["Ouyang Minggao"], 0.25)
