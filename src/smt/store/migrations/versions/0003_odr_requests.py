"""On-demand meter reads.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "odr_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("correlation_id", sa.String(length=32), nullable=False),
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("meter_number", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("read_wh", sa.BigInteger(), nullable=True),
        sa.Column("usage_wh", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odr_request")),
        sa.UniqueConstraint("correlation_id", name=op.f("uq_odr_request_correlation_id")),
    )
    op.create_index(
        op.f("ix_odr_request_esiid_requested_at"), "odr_request", ["esiid", "requested_at"]
    )
    op.create_index(
        op.f("ix_odr_request_tdsp_requested_at"), "odr_request", ["tdsp", "requested_at"]
    )


def downgrade() -> None:
    op.drop_table("odr_request")
