"""Ad hoc usage requests (IF1030/IF1040).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adhoc_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("correlation_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("esiids", sa.JSON(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("all_revisions", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_name", sa.String(length=120), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adhoc_request")),
        sa.UniqueConstraint("correlation_id", name=op.f("uq_adhoc_request_correlation_id")),
    )
    op.create_index(op.f("ix_adhoc_request_requested_by"), "adhoc_request", ["requested_by"])


def downgrade() -> None:
    op.drop_table("adhoc_request")
