"""What each chunk reports, and the job's summary: their sum, with the chunks that failed."""
from collections import Counter
from typing import Any, Iterable

from pydantic import BaseModel


class ChunkReport(BaseModel):
    """What a child wrote for one chunk, beside its predictions: the summary step adds these up."""
    job_id: str
    source: str
    start: int
    lines: int
    blank_lines: int
    rows_scored: int
    rows_refused: int
    refused_by_code: dict[str, int]
    rows_with_unseen_categories: int = 0  # scored, and flagged in the predictions (a model with categories)
    unseen_by_feature: dict[str, int] = {}
    captured: int
    seconds: float


def summarize(job: dict[str, Any], planned_chunks: int, reports: Iterable[ChunkReport],
              failed_chunks: list[dict[str, Any]], finished_at: str, seconds: float,
              skipped: list[dict[str, str]] | None = None, skipped_count: int = 0) -> dict[str, Any]:
    """The job's summary object. Rows of a failed chunk are neither scored nor refused: the failed
    chunks are listed so the job can be re-run (output keys are the same, nothing duplicates)."""
    refused: Counter[str] = Counter()
    unseen: Counter[str] = Counter()
    totals = Counter()
    chunks = 0
    for report in reports:
        chunks += 1
        refused.update(report.refused_by_code)
        unseen.update(report.unseen_by_feature)
        totals.update({"unseen": report.rows_with_unseen_categories, "lines": report.lines, "blank_lines": report.blank_lines, "rows_scored": report.rows_scored,
                       "rows_refused": report.rows_refused, "captured": report.captured})
    return {
        "status": "succeeded" if not failed_chunks and chunks == planned_chunks else "partial",
        "job_id": job["job_id"],
        "input": job["input"],
        "output": job["output"],
        "model": job["model"],
        "started_at": job["started_at"],
        "finished_at": finished_at,
        "seconds": round(seconds, 3),
        "chunks": {"planned": planned_chunks, "scored": chunks, "failed": len(failed_chunks)},
        "rows_read": totals["rows_scored"] + totals["rows_refused"],
        "rows_scored": totals["rows_scored"],
        "rows_refused": totals["rows_refused"],
        "refused_by_code": dict(sorted(refused.items())),
        "unseen_categories": {"rows": totals["unseen"], "by_feature": dict(sorted(unseen.items()))},
        "blank_lines": totals["blank_lines"],
        "capture_records": totals["captured"],
        "failed_chunks": failed_chunks[:100],
        "skipped_objects": skipped or [],
        "skipped_count": skipped_count,
    }
