"""Knowledge retrieval hit rate on a small real document set.

    python benchmarks/knowledge.py [--database-url URL] [--embeddings-url URL
        --embeddings-model NAME] [--other-gpts N] [--show-misses] [--json-out FILE]

The set (``benchmarks/knowledge_set/``): ten documents of different types and lengths
(Markdown, text, HTML, CSV, JSON, DOCX, PDF) and ``questions.json``, 50 questions each
labelled with the file that answers it and a substring of the answering passage; the
labels were written before any tuning. Every file goes through the same path as an
upload (``knowledge_service.add_files``: extraction, chunking, storage, index) into a
fresh database (SQLite in a temporary folder unless ``--database-url`` names an empty
PostgreSQL database), then each question is searched through ``DbKnowledgeIndex`` — the
index behind the ``search_knowledge`` tool.

A question is a hit at *k* when one of the first *k* passages comes from the labelled
file and contains the labelled substring (case and whitespace ignored). Reported: hit
rate at 1 and at 5, mean reciprocal rank over the first 5, and the search time.
Full text by default; with ``--embeddings-url`` (an OpenAI-compatible endpoint) the
ranking is hybrid.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select

from gptforge.capabilities.knowledge_embeddings import OpenAIEmbedder
from gptforge.store import Database, Gpt, User
from gptforge.store.knowledge import DbKnowledgeIndex, KnowledgeRepository
from gptforge.web.knowledge_service import Upload, add_files
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings

SET = Path(__file__).with_name("knowledge_set")
DOCUMENT_SUFFIXES = {".md", ".txt", ".html", ".csv", ".json", ".docx", ".pdf"}


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def documents() -> list[Path]:
    return sorted(
        path
        for path in SET.iterdir()
        if path.suffix in DOCUMENT_SUFFIXES and path.name != "questions.json"
    )


async def load(db: Database, embedder: OpenAIEmbedder | None) -> tuple[str, dict[str, int]]:
    settings = ServerSettings(knowledge_max_files=50)
    async with db.session() as session:
        owner = User(email="bench@example.com", display_name="Bench", password_hash="x")
        session.add(owner)
        await session.flush()
        gpt = Gpt(owner_id=owner.id, name="Knowledge benchmark")
        session.add(gpt)
        await session.flush()
        uploads = [Upload(name=p.name, content_type=None, data=p.read_bytes()) for p in documents()]
        # the two parts of a Platform that add_files uses
        platform = cast(Platform, SimpleNamespace(settings=settings, db=db))
        records = await add_files(platform, session, gpt, uploads, embedder=embedder)
        return gpt.id, {record.name: record.chunk_count for record in records}


async def add_other_gpts(db: Database, source: str, count: int) -> None:
    """``count`` more GPTs with copies of the same files: the index then holds their
    passages too, and a search must still see only its own GPT's."""
    for number in range(count):
        async with db.session() as session:
            owner = await session.scalar(select(Gpt.owner_id).where(Gpt.id == source))
            other = Gpt(owner_id=owner, name=f"Other {number}")
            session.add(other)
            await session.flush()
            await KnowledgeRepository(session).copy_draft(source, other.id)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    questions = json.loads((SET / "questions.json").read_text())
    folder = tempfile.TemporaryDirectory(prefix="gptforge-knowledge-bench-")
    url = args.database_url or f"sqlite+aiosqlite:///{folder.name}/bench.db"
    db = Database(url)
    await db.migrate()
    embedder = None
    if args.embeddings_url:
        embedder = OpenAIEmbedder(base_url=args.embeddings_url, model=args.embeddings_model)
    started = time.perf_counter()
    gpt_id, chunks = await load(db, embedder)
    load_seconds = time.perf_counter() - started
    await add_other_gpts(db, gpt_id, args.other_gpts)
    index = DbKnowledgeIndex(db=db, gpt_id=gpt_id, embedder=embedder)
    ranks: list[int | None] = []
    timings: list[float] = []
    misses = []
    for item in questions:
        started = time.perf_counter()
        passages = await index.search(item["question"], 5)
        timings.append(time.perf_counter() - started)
        answer = _normal(item["answer"])
        rank = next(
            (
                i
                for i, p in enumerate(passages, start=1)
                if p.file_name == item["file"] and answer in _normal(p.text)
            ),
            None,
        )
        ranks.append(rank)
        if rank != 1:
            misses.append(
                {
                    **item,
                    "rank": rank,
                    "got": [f"{p.file_name}: {p.text[:80]!r}" for p in passages[:3]],
                }
            )
    await db.dispose()
    folder.cleanup()
    total = len(questions)
    result = {
        "database": db.dialect,
        "ranking": "hybrid" if embedder else "full text",
        "documents": len(chunks),
        "passages": sum(chunks.values()),
        "questions": total,
        "hit_at_1": sum(rank == 1 for rank in ranks) / total,
        "hit_at_5": sum(rank is not None for rank in ranks) / total,
        "mrr_at_5": sum(1 / rank for rank in ranks if rank) / total,
        "other_gpts": args.other_gpts,
        "load_seconds": load_seconds,
        "search_ms_median": statistics.median(timings) * 1000,
        "search_ms_max": max(timings) * 1000,
        "chunks_per_file": chunks,
        "misses": misses,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default SQLite)")
    parser.add_argument("--embeddings-url", help="OpenAI-compatible base URL, e.g. .../v1")
    parser.add_argument("--embeddings-model", default="text-embedding-3-small")
    parser.add_argument(
        "--other-gpts",
        type=int,
        default=0,
        help="also index the set for this many other GPTs (search time at scale)",
    )
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(
        f"{result['database']}, {result['ranking']}: {result['documents']} documents, "
        f"{result['passages']} passages, {result['questions']} questions; "
        f"{result['other_gpts']} other GPTs in the index"
    )
    print(
        f"hit@1 {result['hit_at_1']:.1%}   hit@5 {result['hit_at_5']:.1%}   "
        f"MRR@5 {result['mrr_at_5']:.3f}"
    )
    print(
        f"indexing {result['load_seconds']:.2f} s; search median "
        f"{result['search_ms_median']:.1f} ms, max {result['search_ms_max']:.1f} ms"
    )
    if args.show_misses:
        for miss in result["misses"]:
            print(
                f"\n- {miss['question']} (want {miss['file']}: {miss['answer']!r}, rank {miss['rank']})"
            )
            for line in miss["got"]:
                print(f"    {line}")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=1))
    sys.exit(0)


if __name__ == "__main__":
    main()
