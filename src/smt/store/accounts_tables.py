"""Tables of parties, accounts, their DUNS and ESIIDs, and the append-only audit log."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from smt.store.schema import UtcDateTime, metadata

company = Table(
    "company",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),  # operator | tdsp | rep | customer
    Column("name", String(120), nullable=False),
    # Unique in the hub whatever the case and spacing: "Lone Star Power" = "LONE STAR  POWER".
    Column("name_key", String(120), nullable=False, unique=True),
    Column("tdsp_code", String(8)),
    Column("address1", String(100), nullable=False, default=""),
    Column("address2", String(100), nullable=False, default=""),
    Column("city", String(60), nullable=False, default=""),
    Column("state", String(2), nullable=False, default=""),
    Column("country", String(2), nullable=False, default="US"),
    Column("zip", String(10), nullable=False, default=""),
    Column("service_phone", String(20), nullable=False, default=""),
    Column("service_email", String(254), nullable=False, default=""),
    Column(
        "status", String(10), nullable=False
    ),  # pending | active | suspended | revoked | rejected
    # For a REP's customer-service company: the REP company whose staff use its logins.
    Column("serves_company_id", ForeignKey("company.id")),
    Column("created_at", UtcDateTime, nullable=False),
)

company_duns = Table(
    "company_duns",
    metadata,
    Column("duns", String(13), primary_key=True),
    Column("company_id", ForeignKey("company.id"), nullable=False, index=True),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("requested_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime),
    Column("decided_by", String(40)),
)

account = Table(
    "account",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # A user ID is unique forever: rows are never deleted, a deleted account keeps its ID.
    Column("user_id", String(40), nullable=False, unique=True),
    Column("user_key", String(40), nullable=False, unique=True),
    Column("company_id", ForeignKey("company.id"), index=True),
    Column("role", String(20), nullable=False),
    Column(
        "status", String(10), nullable=False
    ),  # pending | active | suspended | revoked | deleted
    Column("first_name", String(60), nullable=False),
    Column("middle_initial", String(1), nullable=False, default=""),
    Column("last_name", String(60), nullable=False),
    Column("suffix", String(10), nullable=False, default=""),
    Column("phone", String(20), nullable=False, default=""),
    Column("email", String(254), nullable=False),
    Column("language", String(2), nullable=False, default="en"),
    Column("password_hash", Text),
    # A REP's customer-service login: the REP company whose administrators hold it.
    Column("service_login_of", ForeignKey("company.id")),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)

account_duns = Table(
    "account_duns",
    metadata,
    Column("account_id", ForeignKey("account.id"), primary_key=True),
    Column("duns", ForeignKey("company_duns.duns"), primary_key=True),
)

customer_esiid = Table(
    "customer_esiid",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("account.id"), nullable=False),
    Column("esiid", String(22), nullable=False),
    # The customer's own occupancy: the move-in that began it, and its end once known.
    Column("occupancy_start", Date, nullable=False),
    Column("occupancy_end", Date),
    Column("attached_at", UtcDateTime, nullable=False),
    Column("detached_at", UtcDateTime),
    Column("detached_by", String(40)),
    Index(None, "account_id", "esiid"),
    Index(None, "esiid"),
)

audit_event = Table(
    "audit_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(40), nullable=False),  # a user ID, or "system" / "cli"
    Column("action", String(40), nullable=False),
    Column("subject", String(80), nullable=False),
    Column("details", JSON),
    Index(None, "subject"),
    Index(None, "actor", "at"),
)

system_account = Table(
    "system_account",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The WS-Security user name; unique forever like user IDs.
    Column("name", String(40), nullable=False, unique=True),
    Column("name_key", String(40), nullable=False, unique=True),
    Column("company_id", ForeignKey("company.id"), nullable=False),
    Column("duns", ForeignKey("company_duns.duns"), nullable=False),
    Column("password_hash", Text, nullable=False),
    # SHA-256 of the DER client certificate bound to it, if any (hex).
    Column("certificate_sha256", String(64), unique=True),
    Column("status", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0, server_default="0"),
    Column("locked_until", UtcDateTime),
)

# Access tokens of system accounts (the official API's `/v2/token/`): like web sessions, only
# the token's SHA-256 is stored; they live a fixed time from issue, with no sliding.
system_session = Table(
    "system_session",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("system_account_id", ForeignKey("system_account.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
)

web_session = Table(
    "web_session",
    metadata,
    # SHA-256 of the token: the database never holds a usable session.
    Column("token_sha256", String(64), primary_key=True),
    Column("account_id", ForeignKey("account.id"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # portal | api
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
)

broadcast_message = Table(
    "broadcast_message",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("audience", String(10), nullable=False),  # everyone | rep | customer | tdsp
    Column("text_en", Text, nullable=False),
    Column("text_es", Text, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("created_by", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
