"""Files in, tables out: read a document, extract it, and shape the rows as the store's tables."""
from __future__ import annotations

import pandas as pd

from .extract import Extraction, extract_text
from .readers import Document, read_document
from .schema import TABLES, conform


def extract_document(doc: Document, batch_id: str = "") -> Extraction:
    return extract_text(doc.name, doc.text, batch_id)


def extract_file(path, batch_id: str = "") -> tuple[Document, Extraction]:
    doc = read_document(path)
    return doc, extract_document(doc, batch_id)


def _title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip(" #\t")
        if len(line) >= 4:
            return line[:60]
    return None


def tables_of(items: list[tuple[Document, Extraction]], batch_id: str) -> dict[str, pd.DataFrame]:
    """The four batch tables of some extracted documents, conformed to the schema."""
    claims, communities, initiatives, documents = [], [], [], []
    for doc, ex in items:
        claims += [{**c, "batch_id": batch_id} for c in ex.claims]
        communities += [{**c, "batch_id": batch_id} for c in ex.communities]
        initiatives += [{**i, "batch_id": batch_id} for i in ex.initiatives]
        title = doc.meta.get("title") or _title(doc.text)
        documents.append({"doc": doc.name, "title": title, "sha256": doc.sha256,
                          "source_type": "article", "chars": len(doc.text), "batch_id": batch_id})
    frames = {"claims": claims, "communities": communities, "initiatives": initiatives,
              "documents": documents}
    return {name: conform(name, pd.DataFrame(rows, columns=[c.name for c in TABLES[name]]))
            for name, rows in frames.items()}
