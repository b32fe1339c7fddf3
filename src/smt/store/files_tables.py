"""Tables of bulk file delivery: companies' PGP keys, file-transfer logins, deliveries waiting
for a key, and the daily extract's cursors and claims (IF1020)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from smt.store.schema import UtcDateTime, metadata

# One current key per company (`replaced_at` NULL); older keys stay for the record.
company_pgp_key = Table(
    "company_pgp_key",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", ForeignKey("company.id"), nullable=False, index=True),
    Column("fingerprint", String(64), nullable=False),
    Column("armored", Text, nullable=False),
    Column("algorithm", String(20), nullable=False),
    Column("bits", Integer, nullable=False),
    Column("user_ids", Text, nullable=False, default=""),
    Column("expires_at", UtcDateTime),
    Column("uploaded_by", String(40), nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Column("replaced_at", UtcDateTime),
)

# A company's choices for its deliveries (one row once it chose anything).
company_file_setting = Table(
    "company_file_setting",
    metadata,
    Column("company_id", ForeignKey("company.id"), primary_key=True),
    Column("extract_formats", String(10), nullable=False, default="lse"),  # lse | csv | lse+csv
    Column("updated_by", String(40), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

file_login = Table(
    "file_login",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(40), nullable=False, unique=True),
    # Logins compare without case, like user IDs, and are never reused.
    Column("login_key", String(40), nullable=False, unique=True),
    Column("company_id", ForeignKey("company.id"), nullable=False, index=True),
    Column("password_hash", Text, nullable=False),
    # SHA-256 of the DER client certificate FTPS requires of this login, if any (hex).
    Column("certificate_sha256", String(64)),
    Column("status", String(10), nullable=False),  # active | revoked
    Column("created_by", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime),
    Column("last_login_at", UtcDateTime),
)

file_login_ssh_key = Table(
    "file_login_ssh_key",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login_id", ForeignKey("file_login.id"), nullable=False, index=True),
    Column("public_key", Text, nullable=False),
    Column("fingerprint", String(100), nullable=False),
    Column("added_by", String(40), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("removed_at", UtcDateTime),
)

# Files the hub owes a company's mailbox. `source` is the clear file, relative to the data
# folder; `waiting` ones wait for a valid key (the reason says why) and go out when it comes.
file_delivery = Table(
    "file_delivery",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", ForeignKey("company.id"), nullable=False),
    Column("folder", String(20), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("status", String(10), nullable=False),  # waiting | delivered
    Column("reason", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index(None, "status", "company_id"),
)

# One row per DUNS the daily extract serves: its watermark (every usage revision stored by an
# ingest file with id <= watermark has been delivered) and the last extract's counter.
extract_cursor = Table(
    "extract_cursor",
    metadata,
    Column("duns", String(13), primary_key=True),
    Column("watermark", Integer, nullable=False),
    Column("counter", Integer, nullable=False, default=0),
    Column("last_status", String(10), nullable=False, default=""),  # delivered | waiting
    Column("last_message", Text, nullable=False, default=""),
    Column("last_run_at", UtcDateTime),
)

# An extract claimed before its files are written: (from_file_id, to_file_id] and its name
# parts. `claimed` ones are finished by the next run with the same bounds and names, so a crash
# anywhere leaves neither a gap nor a duplicate.
extract_file = Table(
    "extract_file",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("duns", String(13), nullable=False),
    Column("company_id", ForeignKey("company.id"), nullable=False),
    Column("counter", Integer, nullable=False),
    Column("from_file_id", Integer, nullable=False),
    Column("to_file_id", Integer, nullable=False),
    Column("stamp", String(14), nullable=False),
    Column("formats", String(10), nullable=False),
    Column("status", String(10), nullable=False),  # claimed | delivered
    Column("names", Text, nullable=False, default=""),
    Column("interval_records", Integer),
    Column("register_records", Integer),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index(None, "duns", "counter", unique=True),
    Index(None, "status"),
)

# The Central date of the last scheduled extract: claimed by one runner per day.
extract_schedule = Table(
    "extract_schedule",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_day", String(10), nullable=False),
)
