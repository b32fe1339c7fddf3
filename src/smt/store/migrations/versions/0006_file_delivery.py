"""Bulk file delivery: PGP keys, file-transfer logins, deliveries, the daily extract (IF1020).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    # The extract reads what arrived since its watermark, by ingest file.
    op.create_index(op.f("ix_interval_day_file_id"), "interval_day", ["file_id"])
    op.create_index(op.f("ix_register_read_file_id"), "register_read", ["file_id"])
    op.create_table(
        "company_pgp_key",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("armored", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("user_ids", sa.Text(), nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("uploaded_by", sa.String(length=40), nullable=False),
        sa.Column("uploaded_at", UTC, nullable=False),
        sa.Column("replaced_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_company_pgp_key_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_pgp_key")),
    )
    op.create_index(op.f("ix_company_pgp_key_company_id"), "company_pgp_key", ["company_id"])
    op.create_table(
        "company_file_setting",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("extract_formats", sa.String(length=10), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_company_file_setting_company_id_company"),
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_company_file_setting")),
    )
    op.create_table(
        "file_login",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(length=40), nullable=False),
        sa.Column("login_key", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.Column("last_login_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_file_login_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_login")),
        sa.UniqueConstraint("login", name=op.f("uq_file_login_login")),
        sa.UniqueConstraint("login_key", name=op.f("uq_file_login_login_key")),
    )
    op.create_index(op.f("ix_file_login_company_id"), "file_login", ["company_id"])
    op.create_table(
        "file_login_ssh_key",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=100), nullable=False),
        sa.Column("added_by", sa.String(length=40), nullable=False),
        sa.Column("added_at", UTC, nullable=False),
        sa.Column("removed_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["login_id"], ["file_login.id"], name=op.f("fk_file_login_ssh_key_login_id_file_login")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_login_ssh_key")),
    )
    op.create_index(op.f("ix_file_login_ssh_key_login_id"), "file_login_ssh_key", ["login_id"])
    op.create_table(
        "file_delivery",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_file_delivery_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_delivery")),
    )
    op.create_index(
        op.f("ix_file_delivery_status_company_id"), "file_delivery", ["status", "company_id"]
    )
    op.create_table(
        "extract_cursor",
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.Column("watermark", sa.Integer(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=10), nullable=False),
        sa.Column("last_message", sa.Text(), nullable=False),
        sa.Column("last_run_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("duns", name=op.f("pk_extract_cursor")),
    )
    op.create_table(
        "extract_file",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("from_file_id", sa.Integer(), nullable=False),
        sa.Column("to_file_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=14), nullable=False),
        sa.Column("formats", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("names", sa.Text(), nullable=False),
        sa.Column("interval_records", sa.Integer(), nullable=True),
        sa.Column("register_records", sa.Integer(), nullable=True),
        sa.Column("claimed_at", UTC, nullable=False),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_extract_file_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_file")),
    )
    op.create_index(
        op.f("ix_extract_file_duns_counter"), "extract_file", ["duns", "counter"], unique=True
    )
    op.create_index(op.f("ix_extract_file_status"), "extract_file", ["status"])
    op.create_table(
        "extract_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_schedule")),
    )


def downgrade() -> None:
    for table in (
        "extract_schedule",
        "extract_file",
        "extract_cursor",
        "file_delivery",
        "file_login_ssh_key",
        "file_login",
        "company_file_setting",
        "company_pgp_key",
    ):
        op.drop_table(table)
    op.drop_index(op.f("ix_register_read_file_id"), table_name="register_read")
    op.drop_index(op.f("ix_interval_day_file_id"), table_name="interval_day")
