"""initial schema: ingest journal, usage, reference data, accounts and audit

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_actor_at"), ["actor", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_subject"), ["subject"], unique=False)

    op.create_table(
        "broadcast_message",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("text_es", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_message")),
    )
    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("tdsp_code", sa.String(length=8), nullable=True),
        sa.Column("address1", sa.String(length=100), nullable=False),
        sa.Column("address2", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("zip", sa.String(length=10), nullable=False),
        sa.Column("service_phone", sa.String(length=20), nullable=False),
        sa.Column("service_email", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("serves_company_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["serves_company_id"], ["company.id"], name=op.f("fk_company_serves_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
        sa.UniqueConstraint("name_key", name=op.f("uq_company_name_key")),
    )
    op.create_table(
        "ingest_file",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("interface", sa.String(length=10), nullable=False),
        sa.Column("sender_duns", sa.String(length=13), nullable=False),
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("records_total", sa.Integer(), nullable=False),
        sa.Column("records_loaded", sa.Integer(), nullable=False),
        sa.Column("records_unchanged", sa.Integer(), nullable=False),
        sa.Column("records_rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_file")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_ingest_file_dedupe_key")),
    )
    with op.batch_alter_table("ingest_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ingest_file_content_sha256"), ["content_sha256"], unique=False
        )

    op.create_table(
        "interval_day",
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=1), nullable=False),
        sa.Column("revision", sa.SmallInteger(), nullable=False),
        sa.Column("slot_count", sa.SmallInteger(), nullable=False),
        sa.Column("values_wh", sa.LargeBinary(), nullable=False),
        sa.Column("qualities", sa.String(length=100), nullable=False),
        sa.Column("total_wh", sa.BigInteger(), nullable=False),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "esiid", "local_date", "channel", "revision", name=op.f("pk_interval_day")
        ),
    )
    op.create_table(
        "meter",
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("meter_number", sa.String(length=40), nullable=False),
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("manufacturer", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("meter_class", sa.String(length=20), nullable=False),
        sa.Column("kwh_multiplier", sa.Integer(), nullable=False),
        sa.Column("channels", sa.String(length=2), nullable=False),
        sa.Column("interval_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("han_protocol", sa.String(length=20), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("esiid", "meter_number", name=op.f("pk_meter")),
    )
    with op.batch_alter_table("meter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meter_tdsp_removed_on"), ["tdsp", "removed_on"], unique=False
        )

    op.create_table(
        "monthly_usage",
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("revision", sa.SmallInteger(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("meter_number", sa.String(length=40), nullable=False),
        sa.Column("usage_wh", sa.BigInteger(), nullable=False),
        sa.Column("demand_w", sa.BigInteger(), nullable=True),
        sa.Column("quality", sa.String(length=1), nullable=False),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("esiid", "period_start", "revision", name=op.f("pk_monthly_usage")),
    )
    op.create_table(
        "premise",
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("address1", sa.String(length=100), nullable=False),
        sa.Column("address2", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip", sa.String(length=10), nullable=False),
        sa.Column("premise_type", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=False),
        sa.Column("load_profile", sa.String(length=30), nullable=False),
        sa.Column("weather_zone", sa.String(length=20), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("esiid", name=op.f("pk_premise")),
    )
    with op.batch_alter_table("premise", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_premise_tdsp_ended_on"), ["tdsp", "ended_on"], unique=False
        )

    op.create_table(
        "register_read",
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("read_date", sa.Date(), nullable=False),
        sa.Column("revision", sa.SmallInteger(), nullable=False),
        sa.Column("start_wh", sa.BigInteger(), nullable=False),
        sa.Column("end_wh", sa.BigInteger(), nullable=False),
        sa.Column("usage_wh", sa.BigInteger(), nullable=False),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("esiid", "read_date", "revision", name=op.f("pk_register_read")),
    )
    op.create_table(
        "rep_of_record",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("tdsp", sa.String(length=8), nullable=False),
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("start_reason", sa.String(length=10), nullable=False),
        sa.Column("end_reason", sa.String(length=10), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rep_of_record")),
    )
    with op.batch_alter_table("rep_of_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rep_of_record_duns_start_date"), ["duns", "start_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rep_of_record_esiid_start_date"), ["esiid", "start_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rep_of_record_tdsp_end_date"), ["tdsp", "end_date"], unique=False
        )

    op.create_table(
        "snapshot_seen",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("meter_number", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("file_id", "esiid", "meter_number", name=op.f("pk_snapshot_seen")),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("user_key", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("middle_initial", sa.String(length=1), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("suffix", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("service_login_of", sa.Integer(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_account_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["service_login_of"], ["company.id"], name=op.f("fk_account_service_login_of_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("user_id", name=op.f("uq_account_user_id")),
        sa.UniqueConstraint("user_key", name=op.f("uq_account_user_key")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_company_id"), ["company_id"], unique=False)

    op.create_table(
        "company_duns",
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_company_duns_company_id_company")
        ),
        sa.PrimaryKeyConstraint("duns", name=op.f("pk_company_duns")),
    )
    with op.batch_alter_table("company_duns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_company_duns_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "ingest_finding",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("record_key", sa.String(length=80), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["ingest_file.id"], name=op.f("fk_ingest_finding_file_id_ingest_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_finding")),
    )
    with op.batch_alter_table("ingest_finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_finding_file_id"), ["file_id"], unique=False)

    op.create_table(
        "account_duns",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_duns_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["duns"], ["company_duns.duns"], name=op.f("fk_account_duns_duns_company_duns")
        ),
        sa.PrimaryKeyConstraint("account_id", "duns", name=op.f("pk_account_duns")),
    )
    op.create_table(
        "customer_esiid",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("esiid", sa.String(length=22), nullable=False),
        sa.Column("occupancy_start", sa.Date(), nullable=False),
        sa.Column("occupancy_end", sa.Date(), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detached_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_customer_esiid_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_esiid")),
    )
    with op.batch_alter_table("customer_esiid", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_esiid_account_id_esiid"), ["account_id", "esiid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_esiid_esiid"), ["esiid"], unique=False)

    op.create_table(
        "system_account",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("name_key", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_system_account_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["duns"], ["company_duns.duns"], name=op.f("fk_system_account_duns_company_duns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_account")),
        sa.UniqueConstraint(
            "certificate_sha256", name=op.f("uq_system_account_certificate_sha256")
        ),
        sa.UniqueConstraint("name", name=op.f("uq_system_account_name")),
        sa.UniqueConstraint("name_key", name=op.f("uq_system_account_name_key")),
    )
    op.create_table(
        "web_session",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_web_session_account_id_account")
        ),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_account_id"))

    op.drop_table("web_session")
    op.drop_table("system_account")
    with op.batch_alter_table("customer_esiid", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_esiid_esiid"))
        batch_op.drop_index(batch_op.f("ix_customer_esiid_account_id_esiid"))

    op.drop_table("customer_esiid")
    op.drop_table("account_duns")
    with op.batch_alter_table("ingest_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_finding_file_id"))

    op.drop_table("ingest_finding")
    with op.batch_alter_table("company_duns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_duns_company_id"))

    op.drop_table("company_duns")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_company_id"))

    op.drop_table("account")
    op.drop_table("snapshot_seen")
    with op.batch_alter_table("rep_of_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rep_of_record_tdsp_end_date"))
        batch_op.drop_index(batch_op.f("ix_rep_of_record_esiid_start_date"))
        batch_op.drop_index(batch_op.f("ix_rep_of_record_duns_start_date"))

    op.drop_table("rep_of_record")
    op.drop_table("register_read")
    with op.batch_alter_table("premise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_premise_tdsp_ended_on"))

    op.drop_table("premise")
    op.drop_table("monthly_usage")
    with op.batch_alter_table("meter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_tdsp_removed_on"))

    op.drop_table("meter")
    op.drop_table("interval_day")
    with op.batch_alter_table("ingest_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_file_content_sha256"))

    op.drop_table("ingest_file")
    op.drop_table("company")
    op.drop_table("broadcast_message")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_subject"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_at"))

    op.drop_table("audit_event")
