"""The official API's common request fields (reference/smt-interfaces.md section 4.3): the
identity fields checked against the access token, the options, the ESIIDs and the dates, each
refused with a business error that says precisely what is wrong (and nothing about whether an
ESIID exists)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from smt.access.policy import Principal
from smt.accounts.model import CompanyKind, user_key
from smt.domain.channel import Channel
from smt.reports.adhoc import MAX_ESIIDS
from smt.web.smt_shapes import ApiError, esiid_or_empty, us_date

NO_DATA = "No data received from the respective TDSP"

# What each kind of company may call itself in `requesterType` (REPs are SMT's "ROR").
REQUESTER_TYPES = {
    CompanyKind.REP: ("ROR", "REP"),
    CompanyKind.TDSP: ("TDSP",),
    CompanyKind.CUSTOMER: ("BUSINESS", "BUS"),
}
READING_TYPES = {
    "C": (Channel.CONSUMPTION,),
    "G": (Channel.SURPLUS_GENERATION,),
    "A": tuple(Channel),
}


class Code:
    """Business error codes: "1" is SMT's (no data); the others are the hub's own."""

    NO_DATA = "1"
    DATE = "2"
    RANGE = "3"
    REQUESTOR = "4"
    REQUESTER_TYPE = "5"
    AUTHENTICATION_ID = "6"
    OPTION = "7"
    ESIID = "8"
    REFUSED = "9"
    UNKNOWN_REQUEST = "10"


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request: who, what they sent, and the `trans_id` to echo."""

    principal: Principal
    payload: dict[str, Any]
    trans_id: str

    def refuse(self, code: str, message: str, status: int = 400) -> ApiError:
        return ApiError(
            status, {"trans_id": self.trans_id, "errorCode": code, "errorMessage": message}
        )

    def answer(self, body: dict[str, Any]) -> JSONResponse:
        return JSONResponse({"trans_id": self.trans_id, **body})

    def no_data(self) -> JSONResponse:
        return self.answer({"errorCode": Code.NO_DATA, "errorMessage": NO_DATA})

    def option(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        given = self.payload.get(name)
        value = default if given in (None, "") else str(given).strip().upper()
        if value not in allowed:
            raise self.refuse(Code.OPTION, f"{name} is one of {', '.join(allowed)}")
        return value

    def esiids(self) -> list[str]:
        """The ESIIDs asked for, as given (`esiid` array or string; also `ESIID`)."""
        given = self.payload.get("esiid", self.payload.get("ESIID"))
        if given is None and isinstance(self.payload.get("ESIIDMeterList"), list):
            given = [
                e.get("esiid", e.get("ESIID")) if isinstance(e, dict) else e
                for e in self.payload["ESIIDMeterList"]
            ]
        listed = [given] if isinstance(given, str | int) else given
        if not isinstance(listed, list) or not listed or not all(listed):
            raise self.refuse(Code.ESIID, "esiid: a list of at least one ESIID")
        if len(listed) > MAX_ESIIDS:
            raise self.refuse(Code.ESIID, f"esiid: at most {MAX_ESIIDS} ESIIDs in one request")
        return [str(e).strip() for e in listed]

    def one_esiid(self) -> str:
        esiids = self.esiids()
        if len(esiids) != 1:
            raise self.refuse(Code.ESIID, "esiid: exactly one ESIID in this request")
        return esiid_or_empty(esiids[0])

    def dates(self) -> tuple[date, date]:
        try:
            first = us_date(str(self.payload.get("startDate")))
            last = us_date(str(self.payload.get("endDate")))
        except ValueError:
            raise self.refuse(Code.DATE, "startDate and endDate are MM/DD/YYYY") from None
        if last < first:
            raise self.refuse(Code.RANGE, "endDate is before startDate")
        return first, last


def identify(call: Call, *, need_type: bool, need_duns: bool) -> None:
    """The body's identity fields against the token's service ID (section 4.3)."""
    principal = call.principal
    payload = call.payload
    requestor = payload.get("requestorID")
    if not isinstance(requestor, str) or not requestor.strip():
        raise call.refuse(Code.REQUESTOR, "requestorID is required: the service ID")
    if user_key(requestor) != user_key(principal.user_id):
        raise call.refuse(
            Code.REQUESTOR, "requestorID is not the service ID this access token was issued to"
        )
    kind = principal.role.company_kind
    allowed = REQUESTER_TYPES.get(kind, ()) if kind is not None else ()
    given = payload.get("requesterType")
    if given in (None, ""):
        if need_type:
            raise call.refuse(
                Code.REQUESTER_TYPE, f"requesterType is required: {' or '.join(allowed)}"
            )
    elif str(given).strip().upper() not in allowed:
        raise call.refuse(
            Code.REQUESTER_TYPE,
            f"requesterType {str(given)[:20]!r} does not match this service ID's company: "
            f"{' or '.join(allowed)}",
        )
    duns = payload.get("requesterAuthenticationID")
    if duns in (None, ""):
        if need_duns:
            raise call.refuse(
                Code.AUTHENTICATION_ID,
                "requesterAuthenticationID is required: the DUNS this service ID acts for",
            )
    elif str(duns).strip() not in principal.duns:
        raise call.refuse(
            Code.AUTHENTICATION_ID,
            f"requesterAuthenticationID {str(duns)[:20]!r} is not the DUNS this service ID "
            "acts for",
        )
    terms = payload.get("SMTTermsandConditions")
    if terms not in (None, "") and str(terms).strip().upper() != "Y":
        raise call.refuse(Code.OPTION, "SMTTermsandConditions must be Y")


def credentials(request: Request, payload: dict[str, Any]) -> tuple[str, str]:
    """Username and password from the body, else from HTTP Basic (clients send either)."""
    username, password = payload.get("username"), payload.get("password")
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            basic_user, _, basic_password = (
                base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            basic_user = basic_password = ""
        username = username if username not in (None, "") else basic_user
        password = password if password not in (None, "") else basic_password
    return (
        username if isinstance(username, str) else "",
        password if isinstance(password, str) else "",
    )
