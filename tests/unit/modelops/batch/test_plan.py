"""plan.json's items: each Map child's chunks, grouped by the plan (BatchChunksPerWorker)."""
import json

import pytest

from modelops.batch.job import Chunk
from modelops.batch.plan import planned_chunks, work_items


def _chunks(count: int) -> list[Chunk]:
    return [Chunk(bucket="b", key="in/x.csv", source="x.csv", etag='"e"', size=1000, start=start * 10,
                  end=start * 10 + 10, format="csv", columns=["a", "b"]) for start in range(count)]


@pytest.mark.parametrize("count, per_worker, sizes", [(1, 1, [1]), (5, 1, [1] * 5), (5, 2, [2, 2, 1]), (4, 4, [4]),
                                                      (3, 100, [3])])
def test_chunks_are_grouped_per_worker_in_plan_order_and_read_back_unchanged(count, per_worker, sizes):
    chunks = _chunks(count)
    items = json.loads(json.dumps(work_items(chunks, per_worker)))  # as written to and read from S3
    assert [len(item["chunks"]) for item in items] == sizes
    assert planned_chunks(items) == chunks


def test_no_chunks_no_items():
    assert work_items([], 3) == [] and planned_chunks([]) == []
