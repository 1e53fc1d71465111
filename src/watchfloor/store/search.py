"""Full-text search over document bodies and claim evidence, on both backends.

* SQLite: a contentless FTS5 table ``search_fts`` (porter stemming) whose
  rowids are ``search_entries.id``; entries are added in the same transaction
  as the document (``index_document`` / ``index_claim``).
* PostgreSQL: ``to_tsvector('english', ...) @@ plainto_tsquery('english', :q)``
  served by the GIN expression indexes of the initial migration (document text
  up to its first 500,000 characters, as a tsvector holds at most 1 MB);
  nothing to maintain by hand.

User text is only ever a bound parameter.  For FTS5 it is first reduced to
its words, each quoted, so operators and quotes in a query cannot raise.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from watchfloor.store.views import SearchHit

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACES = re.compile(r"\s+")
SNIPPET_WIDTH = 200


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def query_terms(query: str) -> list[str]:
    """The words of a query (what both backends actually search for)."""
    return _WORD.findall(query)


def fts5_expression(query: str) -> str | None:
    """An FTS5 MATCH expression: every word quoted, all required; None when no words."""
    terms = query_terms(query)
    if not terms:
        return None
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms[:64])


def index_document(session: Session, *, document_id: str, body: str) -> None:
    """Add a document body to the SQLite index (PostgreSQL indexes it by itself)."""
    if _dialect(session) == "sqlite":
        _add_entry(session, kind="document", document_id=document_id, claim_id=None, body=body)


def index_claim(session: Session, *, claim_id: int, document_id: str, body: str) -> None:
    """Add a claim's evidence text to the SQLite index."""
    if _dialect(session) == "sqlite":
        _add_entry(session, kind="claim", document_id=document_id, claim_id=claim_id, body=body)


def _add_entry(session: Session, *, kind: str, document_id: str, claim_id: int | None, body: str) -> None:
    result = session.execute(
        text("INSERT INTO search_entries (kind, document_id, claim_id) VALUES (:kind, :doc, :claim)"),
        {"kind": kind, "doc": document_id, "claim": claim_id},
    )
    rowid = result.lastrowid  # type: ignore[attr-defined]
    session.execute(text("INSERT INTO search_fts (rowid, body) VALUES (:rowid, :body)"), {"rowid": rowid, "body": body})


def search(session: Session, query: str, *, limit: int = 20) -> list[SearchHit]:
    """Best matches first: documents and claim evidence mixed by relevance."""
    if limit <= 0 or not query_terms(query):
        return []
    if _dialect(session) == "sqlite":
        rows = _search_sqlite(session, query, limit=limit)
    else:
        rows = _search_postgres(session, " ".join(query_terms(query)), limit=limit)
    return _hits(session, rows, terms=query_terms(query))


def _search_sqlite(session: Session, query: str, *, limit: int) -> list[tuple[str, str, int | None, float]]:
    expression = fts5_expression(query)
    result = session.execute(
        text(
            "SELECT e.kind, e.document_id, e.claim_id, bm25(search_fts) AS rank "
            "FROM search_fts JOIN search_entries AS e ON e.id = search_fts.rowid "
            "WHERE search_fts MATCH :q ORDER BY rank LIMIT :n"
        ),
        {"q": expression, "n": limit},
    )
    return [(kind, doc, claim, -float(rank)) for kind, doc, claim, rank in result]


_PG_DOCUMENTS = text(
    "SELECT 'document', d.id, NULL, ts_rank(to_tsvector('english', left(d.text, 500000)), q) AS score "
    "FROM documents AS d, plainto_tsquery('english', :q) AS q "
    "WHERE to_tsvector('english', left(d.text, 500000)) @@ q ORDER BY score DESC LIMIT :n"
)
_PG_CLAIMS = text(
    "SELECT 'claim', c.document_id, c.id, ts_rank(to_tsvector('english', c.evidence_text), q) AS score "
    "FROM claims AS c, plainto_tsquery('english', :q) AS q "
    "WHERE to_tsvector('english', c.evidence_text) @@ q ORDER BY score DESC LIMIT :n"
)


def _search_postgres(session: Session, query: str, *, limit: int) -> list[tuple[str, str, int | None, float]]:
    params = {"q": query, "n": limit}
    rows = [(k, d, c, float(s)) for k, d, c, s in session.execute(_PG_DOCUMENTS, params)]
    rows += [(k, d, c, float(s)) for k, d, c, s in session.execute(_PG_CLAIMS, params)]
    rows.sort(key=lambda row: -row[3])
    return rows[:limit]


def _hits(session: Session, rows: list[tuple[str, str, int | None, float]], *, terms: list[str]) -> list[SearchHit]:
    from watchfloor.store.schema import Claim, Document

    doc_ids = {doc for _, doc, _, _ in rows}
    claim_ids = [claim for _, _, claim, _ in rows if claim is not None]
    docs: dict[str, Any] = {}
    if doc_ids:
        for doc_row in session.execute(
            select(Document.id, Document.file_name, Document.title, Document.text).where(Document.id.in_(doc_ids))
        ):
            docs[doc_row.id] = doc_row
    claims: dict[int, Any] = {}
    if claim_ids:
        for claim_row in session.execute(
            select(
                Claim.id,
                Claim.event_id,
                Claim.relation_id,
                Claim.evidence_start,
                Claim.evidence_end,
                Claim.evidence_text,
            ).where(Claim.id.in_(claim_ids))
        ):
            claims[claim_row.id] = claim_row
    hits: list[SearchHit] = []
    for kind, doc_id, claim_id, score in rows:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        claim = claims.get(claim_id) if claim_id is not None else None
        if claim_id is not None and claim is None:
            continue
        hits.append(
            SearchHit(
                kind=kind,
                document=doc_id,
                file=doc.file_name,
                title=doc.title,
                snippet=snippet(claim.evidence_text if claim is not None else doc.text, terms),
                score=score,
                claim_id=claim_id,
                event_id=claim.event_id if claim is not None else None,
                relation_id=claim.relation_id if claim is not None else None,
                start=claim.evidence_start if claim is not None else None,
                end=claim.evidence_end if claim is not None else None,
            )
        )
    return hits


def snippet(body: str, terms: list[str], *, width: int = SNIPPET_WIDTH) -> str:
    """Plain text around the first query word found in ``body`` (no markup: callers escape)."""
    folded = body.casefold()
    positions = []
    for term in terms:
        stem = term.casefold()
        stem = stem[: max(3, len(stem) - 2)] if len(stem) > 4 else stem
        found = folded.find(stem)
        if found >= 0:
            positions.append(found)
    centre = min(positions) if positions else 0
    start = max(0, centre - width // 3)
    if start > 0:  # begin on a word
        space = body.find(" ", start, centre)
        start = space + 1 if space >= 0 else start
    end = min(len(body), start + width)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start else end
    piece = _SPACES.sub(" ", body[start:end]).strip()
    return ("…" if start > 0 else "") + piece + ("…" if end < len(body) else "")
