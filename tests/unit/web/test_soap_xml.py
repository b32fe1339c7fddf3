"""The hardened parser alone: what it refuses, why, and that refusing costs little."""

from __future__ import annotations

import time

import pytest
from lxml import etree

from smt.web.soap.xml import XmlLimits, XmlRefused, parse_xml

LIMITS = XmlLimits(max_bytes=2 * 1024 * 1024, max_depth=32, max_elements=40_000)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "(DTD)"),
        (b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>', "(DTD)"),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r><r/>'.encode("utf-16"), "(DTD)"),
        (b"<r>&undeclared;</r>", "not well-formed"),
        (b"<a>" * 10_000 + b"</a>" * 10_000, "nests deeper than 32"),
        (b"<a>" * 33 + b"</a>" * 33, "nests deeper than 32"),
        (b"<a>" + b"<b/>" * 40_001 + b"</a>", "more than 40000 elements"),
        (b"<a>" + b"x" * (3 * 1024 * 1024) + b"</a>", "at most 2097152"),
    ],
    ids=["xxe", "entities", "utf16-dtd", "undeclared", "10000-deep", "33-deep", "elements", "size"],
)
def test_refused_with_a_reason_in_milliseconds(data: bytes, reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(XmlRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_xml(data, LIMITS)
    assert time.perf_counter() - started < 0.5


def test_within_the_limits_is_parsed_without_comments() -> None:
    root = parse_xml(b"<a>" * 32 + b"<!-- note -->" + b"</a>" * 32, LIMITS)
    assert root.tag == "a"
    assert b"note" not in etree.tostring(root)
