"""A batch's rollup (loaders/rollups.py), stored per batch like its other tables: the columns
loaders.schema declared for "rollups" when it was added (written out here, as in 0001).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = [
    ("cube", sa.Text, False), ("batch_id", sa.Text, False), ("status", sa.Text, True),
    ("indicator", sa.Text, True), ("per", sa.Text, True), ("unit", sa.Text, True),
    ("kind", sa.Text, True), ("programme", sa.Text, True), ("period", sa.Text, True),
    ("district", sa.Text, True), ("street", sa.Text, True), ("community", sa.Text, True),
    ("doc", sa.Text, True), ("cells", sa.Text, True), ("qualifier", sa.Text, True),
    ("mentions", sa.BigInteger, False), ("facts", sa.BigInteger, True),
    ("value", sa.Double, True), ("low", sa.Double, True), ("high", sa.Double, True),
    ("at_least", sa.BigInteger, True), ("at_most", sa.BigInteger, True),
    ("approx", sa.BigInteger, True), ("order", sa.BigInteger, True),
]


def upgrade() -> None:
    op.create_table(
        "rollups",
        sa.Column("batch_seq", sa.BigInteger, sa.ForeignKey("batches.seq"), primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True),
        *(sa.Column(c, t, nullable=n) for c, t, n in COLUMNS))


def downgrade() -> None:
    op.drop_table("rollups")
