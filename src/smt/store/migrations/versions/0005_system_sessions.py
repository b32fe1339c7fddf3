"""System accounts log in: their failed logins and lockout, and their access tokens.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a NOT NULL column in place without a default, and a
    # batch keeps both backends on one path.
    with op.batch_alter_table("system_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "system_session",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("system_account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["system_account_id"],
            ["system_account.id"],
            name=op.f("fk_system_session_system_account_id_system_account"),
        ),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_system_session")),
    )
    op.create_index(
        op.f("ix_system_session_system_account_id"), "system_session", ["system_account_id"]
    )


def downgrade() -> None:
    op.drop_table("system_session")
    with op.batch_alter_table("system_account", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
