"""Tables of HAN: devices behind meters, each TDSP's HAN limits, message requests, and the
delivery of each request to each device (the HAN messaging log)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from smt.store.schema import UtcDateTime, metadata

# One row per provisioning: a device removed and provisioned again is a new row. The install
# code and its link key are never stored: the key goes to the head-end only.
han_device = Table(
    "han_device",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("esiid", String(22), nullable=False),
    Column("meter_number", String(40), nullable=False),
    Column("tdsp", String(8), nullable=False),
    Column("eui64", String(16), nullable=False, index=True),
    Column("device_type", String(24), nullable=False),
    # requested | joined | failed | deprovisioning | removed
    Column("state", String(16), nullable=False),
    Column("state_reason", Text, nullable=False, default=""),
    # What the head-end will report and when (a join takes minutes): the state from then on.
    Column("outcome", String(16)),
    Column("outcome_reason", Text, nullable=False, default=""),
    Column("outcome_at", UtcDateTime),
    Column("requested_by", String(40), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "esiid", "state"),
)

# Set by each TDSP's administrator: its head-end's limits (defaults in smt.han.model).
han_tdsp_setting = Table(
    "han_tdsp_setting",
    metadata,
    Column("tdsp", String(8), primary_key=True),
    Column("max_devices_per_meter", Integer, nullable=False),
    Column("max_text_bytes", Integer, nullable=False),
    Column("updated_by", String(40), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

han_request = Table(
    "han_request",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),  # a MessageKind
    Column("requested_by", String(40), nullable=False, index=True),
    Column("duns", String(13), nullable=False),
    # the issuer event id or message id the request carries, if its kind has one
    Column("issuer_id", BigInteger),
    Column("fields", JSON, nullable=False),
    Column("priority", String(1), nullable=False, default="L"),
    Column("callback_uri", Text),
    Column("callback_state", String(12)),  # pending | delivered | gave-up
    Column("accepted", Integer, nullable=False),
    Column("refused", JSON, nullable=False),  # [{"address": ..., "reason": ...}]
    Column("requested_at", UtcDateTime, nullable=False),
    Index(None, "duns", "kind", "issuer_id"),
)

# One row per device reached by a request; its events are the log.
han_delivery = Table(
    "han_delivery",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", ForeignKey("han_request.id"), nullable=False, index=True),
    Column("address", String(60), nullable=False),  # as the requester wrote it
    Column("esiid", String(22), nullable=False),
    Column("tdsp", String(8), nullable=False),
    Column("device_id", ForeignKey("han_device.id"), nullable=False),
    Column("issuer_id", BigInteger),
    # Set in the transaction that hands the delivery to the head-end: sent once, never twice.
    Column("claim", String(32)),
    Index(None, "device_id", "issuer_id"),
    Index(None, "request_id", "tdsp", "claim"),
)

# What happened to a delivery, when: events may be reported ahead of time (a simulated device
# knows when its event will complete); the state at an instant is the last event at or before it.
han_delivery_event = Table(
    "han_delivery_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", ForeignKey("han_delivery.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status", String(24), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("final", Integer, nullable=False, default=0),
    Index(None, "delivery_id", "at"),
)

# One row per Central day whose HAN logs were written: the runner that inserts it writes them.
han_log_day = Table(
    "han_log_day",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("written_at", UtcDateTime, nullable=False),
)
