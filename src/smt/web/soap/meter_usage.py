"""The meter usage service (IF1030/IF1040) as the seed shows it: `processMeterUsage` with a
`MeterUsageReqList`, answered with `MeterUsageResponse/fileUrl` when the request is small
enough to answer at once (one ESIID, up to 40 days of intervals) and `MeterUsageSOAPResponse`
with a correlation id when it is queued; `getMeterUsageStatus` follows a correlation id.

The requests are the hub's ad hoc requests (smt.reports.adhoc): same sizes, same limits,
same access policy (the caller acts as its system account, for its DUNS or its territory),
same files in the company's mailbox. A `fileUrl` is an https URL on this hub that only the
same system account can fetch (`GET /soap/files/<correlation id>/<file name>`, identified
by its client certificate)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from smt.accounts.model import WorkflowError
from smt.composition import Hub
from smt.reports.adhoc import AdHocRequest, Answer, RequestStatus
from smt.reports.writers import ReportFormat
from smt.web.soap.envelope import client_fault, nil
from smt.web.soap.service import Call, Operation, Service

log = logging.getLogger(__name__)

NAMESPACE = "http://schemas.esb.ams.com/meterusagesource"
PATH = "/soap/meterusage"
FILES = "/soap/files"
SCHEMA = Path(__file__).parent / "schemas" / "meterusage.xsd"
FORMATS = {"CSV": ReportFormat.CSV, "MARS": ReportFormat.LSE}  # MARS is ERCOT's LSE layout
KINDS = {"INTERVAL": ("interval",), "DAILY": ("daily",), "BOTH": ("interval", "daily")}
MAX_REPORT_TYPES = 4
# The seed's statusMessage for a request accepted into the queue (statusCode 0).
ACCEPTED = "Data record completed successfully"
STATUS_CODES = {
    RequestStatus.COMPLETED: 0,
    RequestStatus.QUEUED: 1,
    RequestStatus.RUNNING: 2,
    RequestStatus.FAILED: 3,
}


def _us_date(text: str | None, what: str) -> date:
    try:
        return datetime.strptime((text or "").strip(), "%m/%d/%Y").date()  # noqa: DTZ007 - a date
    except ValueError:
        raise client_fault(f"{what} {(text or '')[:12]!r} is not a date (MM/DD/YYYY)") from None


def file_url(base: str, answer: Answer) -> str:
    return f"{base}{FILES}/{answer.correlation_id}/{answer.file_name}"


class MeterUsage:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    def service(self) -> Service:
        return Service(
            name="MeterUsage",
            path=PATH,
            namespace=NAMESPACE,
            prefix="me",
            schema_file=SCHEMA,
            operations=(
                Operation(
                    "processMeterUsage",
                    "processMeterUsage",
                    "processMeterUsageResponse",
                    self.process,
                    "Ad hoc usage (IF1030): the file at once for one ESIID up to 40 days of "
                    "intervals, else a correlation id.",
                ),
                Operation(
                    "getMeterUsageStatus",
                    "getMeterUsageStatus",
                    "getMeterUsageStatusResponse",
                    self.status,
                    "The status of a queued request (IF1040), and its file once completed.",
                ),
            ),
        )

    def process(self, call: Call, payload: etree._Element) -> etree._Element:
        requests = self._requests(payload)
        principal = call.caller.principal
        hub = self._hub
        try:
            with hub.engine.begin() as conn:
                answers = [hub.adhoc.submit(conn, principal, r, now=call.now) for r in requests]
        except WorkflowError as refusal:
            raise client_fault(str(refusal)) from None
        for answer in answers:
            if answer.status is RequestStatus.QUEUED:
                hub.jobs.enqueue_adhoc(answer.correlation_id, principal.user_id)
        log.info(
            "processMeterUsage by %s for userId %s (%s): %s",
            principal.user_id,
            payload.findtext("MeterUsageReqList/userId"),
            payload.findtext("MeterUsageReqList/userType"),
            ", ".join(a.correlation_id for a in answers),
        )
        done = [a for a in answers if a.status is RequestStatus.COMPLETED]
        queued = [
            (a.correlation_id, 0, ACCEPTED) for a in answers if a.status is RequestStatus.QUEUED
        ]
        return _answer(
            "processMeterUsageResponse", [file_url(call.base_url, a) for a in done], queued
        )

    def status(self, call: Call, payload: etree._Element) -> etree._Element:
        correlation = (payload.findtext("correlationId") or "").strip()
        with self._hub.engine.connect() as conn:
            found = self._hub.adhoc.status(conn, call.caller.principal, correlation)
        if found is None:
            # Another account's request looks exactly like none.
            raise client_fault(f"no request {correlation[:64]!r} of this system account")
        urls = [file_url(call.base_url, found)] if found.file_name else []
        return _answer(
            "getMeterUsageStatusResponse",
            urls,
            [(found.correlation_id, STATUS_CODES[found.status], found.message)],
        )

    @staticmethod
    def _requests(payload: etree._Element) -> list[AdHocRequest]:
        wanted = payload.find("MeterUsageReqList")
        assert wanted is not None  # noqa: S101 - the XSD requires it
        entries = wanted.findall("reportTypeArray/reportTypeArray")
        if not entries:
            raise client_fault("reportTypeArray: at least one reportType")
        if len(entries) > MAX_REPORT_TYPES:
            raise client_fault(f"reportTypeArray: at most {MAX_REPORT_TYPES} report types")
        fmt = FORMATS[(wanted.findtext("reportFormat") or "CSV").strip()]
        esiids = [(e.text or "").strip() for e in wanted.findall("ESIIDArray/ESIID")]
        requests: list[AdHocRequest] = []
        for entry in entries:
            first = _us_date(entry.findtext("startDate"), "startDate")
            last = _us_date(entry.findtext("endDate"), "endDate")
            kinds = KINDS[(entry.findtext("reportType") or "").strip()]
            if fmt is ReportFormat.LSE and "daily" in kinds:
                raise client_fault(
                    "reportFormat MARS carries interval data only: ask DAILY reads in CSV"
                )
            requests.extend(AdHocRequest(kind, fmt, esiids, first, last) for kind in kinds)
        return requests


def _answer(tag: str, urls: list[str], statuses: list[tuple[str, int, str]]) -> etree._Element:
    """The seed's answer: `MeterUsageResponse` (fileUrl/fileUrl...) or nil, then one
    `MeterUsageSOAPResponse` per queued request, or one nil."""
    root = etree.Element(f"{{{NAMESPACE}}}{tag}", nsmap={"me": NAMESPACE})
    if urls:
        files = etree.SubElement(etree.SubElement(root, "MeterUsageResponse"), "fileUrl")
        for url in urls:
            etree.SubElement(files, "fileUrl").text = url
    else:
        root.append(nil("MeterUsageResponse"))
    for correlation, code, message in statuses:
        status = etree.SubElement(root, "MeterUsageSOAPResponse")
        etree.SubElement(status, "correlationId").text = correlation
        etree.SubElement(status, "statusCode").text = str(code)
        etree.SubElement(status, "statusMessage").text = message
    if not statuses:
        root.append(nil("MeterUsageSOAPResponse"))
    return root
