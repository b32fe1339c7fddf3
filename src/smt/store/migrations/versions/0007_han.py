"""HAN: devices, TDSP limits, message requests, deliveries and their events.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "han_device",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("meter_number", sa.String(length=40), nullable=False),
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("eui64", sa.String(length=16), nullable=False),
        sa.Column("device_type", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=False),
        sa.Column("outcome_at", UTC, nullable=True),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_han_device")),
    )
    op.create_index(op.f("ix_han_device_eui64"), "han_device", ["eui64"])
    op.create_index(op.f("ix_han_device_esiid_state"), "han_device", ["esiid", "state"])
    op.create_table(
        "han_tdsp_setting",
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("max_devices_per_meter", sa.Integer(), nullable=False),
        sa.Column("max_text_bytes", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("tdsp", name=op.f("pk_han_tdsp_setting")),
    )
    op.create_table(
        "han_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.Column("issuer_id", sa.BigInteger(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=1), nullable=False),
        sa.Column("callback_uri", sa.Text(), nullable=True),
        sa.Column("callback_state", sa.String(length=12), nullable=True),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_han_request")),
        sa.UniqueConstraint("request_id", name=op.f("uq_han_request_request_id")),
    )
    op.create_index(op.f("ix_han_request_requested_by"), "han_request", ["requested_by"])
    op.create_index(
        op.f("ix_han_request_duns_kind_issuer_id"), "han_request", ["duns", "kind", "issuer_id"]
    )
    op.create_table(
        "han_delivery",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=60), nullable=False),
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.BigInteger(), nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["han_request.id"], name=op.f("fk_han_delivery_request_id_han_request")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["han_device.id"], name=op.f("fk_han_delivery_device_id_han_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_han_delivery")),
    )
    op.create_index(op.f("ix_han_delivery_request_id"), "han_delivery", ["request_id"])
    op.create_index(
        op.f("ix_han_delivery_device_id_issuer_id"), "han_delivery", ["device_id", "issuer_id"]
    )
    op.create_index(
        op.f("ix_han_delivery_request_id_tdsp_claim"),
        "han_delivery",
        ["request_id", "tdsp", "claim"],
    )
    op.create_table(
        "han_delivery_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("final", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["han_delivery.id"],
            name=op.f("fk_han_delivery_event_delivery_id_han_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_han_delivery_event")),
    )
    op.create_index(
        op.f("ix_han_delivery_event_delivery_id_at"), "han_delivery_event", ["delivery_id", "at"]
    )

    op.create_table(
        "han_log_day",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("written_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_han_log_day")),
    )


def downgrade() -> None:
    op.drop_table("han_log_day")
    op.drop_table("han_delivery_event")
    op.drop_table("han_delivery")
    op.drop_table("han_request")
    op.drop_table("han_tdsp_setting")
    op.drop_table("han_device")
