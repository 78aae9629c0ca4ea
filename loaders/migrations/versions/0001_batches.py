"""The server store's first schema: batches (manifest, live/undone) and the four batch tables
with the columns loaders.schema declared at the time (written out here: a migration must not
change when the schema module does; later columns and tables come in later migrations).

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

COLUMNS = {
    "claims": [
        ("claim_id", sa.Text, False), ("batch_id", sa.Text, False),
        ("source_type", sa.Text, False), ("doc", sa.Text, False), ("start", sa.BigInteger, True),
        ("end", sa.BigInteger, True), ("row", sa.BigInteger, True), ("text", sa.Text, False),
        ("value", sa.Double, False), ("unit", sa.Text, False), ("kind", sa.Text, False),
        ("qualifier", sa.Text, False), ("indicator", sa.Text, False), ("per", sa.Text, True),
        ("object", sa.Text, True), ("district", sa.Text, True), ("street", sa.Text, True),
        ("community", sa.Text, True), ("programme", sa.Text, False), ("status", sa.Text, False),
        ("period", sa.Text, True), ("evidence", sa.Text, False),
        ("evidence_start", sa.BigInteger, True), ("place_rule", sa.Text, True),
        ("place_confidence", sa.Text, True), ("place_note", sa.Text, True),
    ],
    "communities": [
        ("community", sa.Text, False), ("street", sa.Text, True), ("district", sa.Text, True),
        ("secretary", sa.Text, True), ("title", sa.Text, True), ("batch_id", sa.Text, False),
        ("doc", sa.Text, False),
    ],
    "initiatives": [
        ("name", sa.Text, False), ("community", sa.Text, True), ("street", sa.Text, True),
        ("district", sa.Text, True), ("programme", sa.Text, False), ("status", sa.Text, False),
        ("evidence", sa.Text, False), ("start", sa.BigInteger, True), ("end", sa.BigInteger, True),
        ("batch_id", sa.Text, False), ("doc", sa.Text, False),
    ],
    "documents": [
        ("doc", sa.Text, False), ("title", sa.Text, True), ("sha256", sa.Text, False),
        ("source_type", sa.Text, False), ("chars", sa.BigInteger, True),
        ("batch_id", sa.Text, False),
    ],
}


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("batch_changes")))
    op.create_table(
        "batches",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("folder", sa.Text),
        sa.Column("time", sa.Text),
        sa.Column("content", sa.Text),
        sa.Column("manifest", JSONB, nullable=False),
        sa.Column("changed", sa.BigInteger, nullable=False),
    )
    op.create_index("batches_live_id", "batches", ["batch_id"], unique=True,
                    postgresql_where=sa.text("status = 'live'"))
    op.create_index("batches_folder", "batches", ["folder"], unique=True)
    op.create_index("batches_live_content", "batches", ["content"], unique=True,
                    postgresql_where=sa.text("status = 'live' AND content IS NOT NULL"))
    for name, columns in COLUMNS.items():
        op.create_table(
            name,
            sa.Column("batch_seq", sa.BigInteger, sa.ForeignKey("batches.seq"), primary_key=True),
            sa.Column("row_no", sa.Integer, primary_key=True),
            *(sa.Column(c, t, nullable=n) for c, t, n in columns))
    op.create_index("documents_sha256", "documents", ["sha256"])


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_table(name)
    op.drop_table("batches")
    op.execute(sa.schema.DropSequence(sa.Sequence("batch_changes")))
