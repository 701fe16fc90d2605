"""The Connexion request parser, case by case, from the reference's framing section.

Each row is one case of ``../shared/reference/connexion-protocol.md`` section 3, with the byte
vectors of FOLIO edge-connexion's ``ConnexionRequestTest`` where it has one (F4): the chunks as
they arrive (``b""`` is the client closing), when the request is complete, and the one event the
parser must give.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from almamatch.serve.request import (
    NEED_DATA,
    AnswerAt,
    BadRequest,
    Ending,
    ExportRequest,
    Fault,
    HealthCheck,
    NeedData,
    RequestEvent,
    RequestParser,
)

#: FOLIO's ten-byte "record" (F4): framing takes Leader/00-04 and nothing else.
SHORT = b"0001012345"
#: A real-shaped record: 24-byte leader, one-field directory, 001, record terminator.
RECORD = b"00045nam a2200037 a 4500001000700000\x1eocm123\x1e\x1d"
assert len(RECORD) == int(RECORD[:5])

CLOSE = b""


def request(record: bytes = SHORT, *, user: bytes = b"", local_user: bytes = b"",
            password: bytes = b"", ending: Ending = Ending.RECORD) -> ExportRequest:
    return ExportRequest(user=user, local_user=local_user, password=password, record=record,
                         ending=ending)


def feed(chunks: tuple[bytes, ...], *, answer_at: AnswerAt = AnswerAt.RECORD,
         max_bytes: int = 100_000) -> RequestEvent:
    parser = RequestParser(answer_at=answer_at, max_bytes=max_bytes)
    event: RequestEvent = parser.next_event()
    for chunk in chunks:
        parser.receive_data(chunk)
        event = parser.next_event()
    return event


def outcome(event: RequestEvent) -> object:
    """The event, with a refusal reduced to its fault (the detail is for people)."""
    return event.fault if isinstance(event, BadRequest) else event


Case = tuple[str, tuple[bytes, ...], AnswerAt, object]

CASES: list[Case] = [
    # -- desktop client: one length byte, len = byte - 64 ---------------------------------
    ("desktop lengths (F4 parseRequest2, without spaces)", (b"UEabcdeABfgPChij" + SHORT,),
     AnswerAt.RECORD, request(user=b"abcde", local_user=b"fg", password=b"hij")),
    ("desktop @ is an empty value", (b"U@P@" + SHORT,), AnswerAt.RECORD, request()),
    ("desktop DEL (0x7F) is 63", (b"A\x7f" + b"k" * 63 + SHORT,), AnswerAt.RECORD,
     request(local_user=b"k" * 63)),
    ("byte 0x80 is 64 (FOLIO EDGCONX-7)", (b"A\x80" + b"k" * 64 + SHORT,), AnswerAt.RECORD,
     request(local_user=b"k" * 64)),
    ("byte 0xFF is 191 (FOLIO 'CHR-255=191')", (b"A\xff" + b"k" * 191 + SHORT,),
     AnswerAt.RECORD, request(local_user=b"k" * 191)),
    ("a desktop length lets a value start with a digit", (b"PC1ab" + SHORT,), AnswerAt.RECORD,
     request(password=b"1ab")),
    # -- browser client: decimal lengths --------------------------------------------------
    ("browser lengths (F4 parseRequest1)", (b"U5abcdeA2fgP3hij" + SHORT,), AnswerAt.RECORD,
     request(user=b"abcde", local_user=b"fg", password=b"hij")),
    ("browser length counts bytes, not characters (F4 parseRequestUTF8)",
     (b"A17testlib user b\xc3\xb8f" + SHORT,), AnswerAt.RECORD,
     request(local_user="testlib user bøf".encode())),
    ("a multi-digit length", (b"U12abcdefghijkl" + SHORT,), AnswerAt.RECORD,
     request(user=b"abcdefghijkl")),
    ("a value after a decimal length cannot start with a digit: the digits join the length",
     (b"P31ab" + SHORT, CLOSE), AnswerAt.RECORD, Fault.TRUNCATED),
    ("F4 testImportFromOCLC: a value may start with punctuation", (b"U5!bcdeA2fgP3hij" + SHORT,),
     AnswerAt.RECORD, request(user=b"!bcde", local_user=b"fg", password=b"hij")),
    # -- P0: an empty value (FOLIO EDGCONX-11) -------------------------------------------
    ("P0 then an item (F4 '7, P0U3abc')", (b"P0U3abc" + SHORT,), AnswerAt.RECORD,
     request(user=b"abc")),
    ("P0 directly before the record: the record keeps its length", (b"U3abcP0" + RECORD,),
     AnswerAt.RECORD, request(RECORD, user=b"abc")),
    ("P0 before a partial record (F4 '2, P09876') waits", (b"P09876",), AnswerAt.RECORD,
     NEED_DATA),
    # -- spaces ---------------------------------------------------------------------------
    ("single spaces between items are skipped (F4 parseRequest2)",
     (b" UEabcde ABfg PChij " + SHORT,), AnswerAt.RECORD,
     request(user=b"abcde", local_user=b"fg", password=b"hij")),
    ("a space inside a value is the value's", (b"A3a b" + SHORT,), AnswerAt.RECORD,
     request(local_user=b"a b")),
    # -- the record and the end of the request ---------------------------------------------
    ("answered as soon as one record has arrived: no NUL, no close", (b"U3abc" + RECORD,),
     AnswerAt.RECORD, request(RECORD, user=b"abc")),
    ("with answer-at end, a complete record waits for NUL", (b"U3abc" + RECORD,), AnswerAt.END,
     NEED_DATA),
    ("with answer-at end, NUL ends the request", (b"U3abc" + RECORD + b"\x00",), AnswerAt.END,
     request(RECORD, user=b"abc", ending=Ending.NUL)),
    ("with answer-at end, the client's close ends the request", (b"U3abc" + RECORD, CLOSE),
     AnswerAt.END, request(RECORD, user=b"abc", ending=Ending.CLOSE)),
    ("a record split across reads", (b"U3abc" + RECORD[:3], RECORD[3:20], RECORD[20:]),
     AnswerAt.RECORD, request(RECORD, user=b"abc")),
    ("an item split across reads", (b"U", b"1", b"2abcdefghij", b"kl" + SHORT), AnswerAt.RECORD,
     request(user=b"abcdefghijkl")),
    ("bytes after NUL are ignored", (b"U3abc" + RECORD + b"\x00XYZ", b"more"), AnswerAt.END,
     request(RECORD, user=b"abc", ending=Ending.NUL)),
    ("a record after NUL is not part of the request", (b"U3abc\x00" + RECORD,), AnswerAt.RECORD,
     Fault.NO_RECORD),
    ("a request with two records (F4 parseRequestUTF8's pair)",
     (b"A3abc00007\xc3\xa600008123",), AnswerAt.RECORD, Fault.TWO_RECORDS),
    ("two records, answer-at end", (SHORT + b" " + SHORT + b"\x00",), AnswerAt.END,
     Fault.TWO_RECORDS),
    ("a record cut short by the close", (b"U3abc" + RECORD[:30], CLOSE), AnswerAt.RECORD,
     Fault.TRUNCATED),
    ("a record cut short by NUL", (b"U3abc" + RECORD[:30] + b"\x00",), AnswerAt.RECORD,
     Fault.TRUNCATED),
    ("an item cut short (F4 'U3ab')", (b"U3ab", CLOSE), AnswerAt.RECORD, Fault.TRUNCATED),
    ("a tag alone (F4 'A')", (b"A", CLOSE), AnswerAt.RECORD, Fault.TRUNCATED),
    # -- nothing to import ----------------------------------------------------------------
    ("an empty request", (CLOSE,), AnswerAt.RECORD, Fault.EMPTY),
    ("a lone NUL (K4's probe)", (b"\x00",), AnswerAt.RECORD, Fault.EMPTY),
    ("spaces only", (b"   \x00",), AnswerAt.RECORD, Fault.EMPTY),
    ("logon items and no record", (b"U3abcP3xyz\x00",), AnswerAt.RECORD, Fault.NO_RECORD),
    ("nothing yet", (), AnswerAt.RECORD, NEED_DATA),
    # -- malformed ------------------------------------------------------------------------
    ("a length byte that is neither (F4 'U?abcde')", (b"U?abcde",), AnswerAt.RECORD,
     Fault.BAD_LENGTH),
    ("a space as a length byte", (b"U abc",), AnswerAt.RECORD, Fault.BAD_LENGTH),
    ("a byte that starts nothing (F4 '_')", (b"_",), AnswerAt.RECORD, Fault.UNEXPECTED_BYTE),
    ("record length not digits", (b"0001a" + b"x" * 20,), AnswerAt.RECORD,
     Fault.BAD_RECORD_LENGTH),
    ("record length below its own five digits", (b"00004",), AnswerAt.RECORD,
     Fault.BAD_RECORD_LENGTH),
    ("F4 '00005': the smallest record framing takes", (b"00005",), AnswerAt.RECORD,
     request(b"00005")),
    ("F4 '00016123456' waits for the rest", (b"00016123456",), AnswerAt.RECORD, NEED_DATA),
    # -- limits ---------------------------------------------------------------------------
    ("a record whose length passes the limit is refused at once", (b"U3abc99999",),
     AnswerAt.RECORD, Fault.TOO_LARGE),
    ("bytes past the limit are refused", (b"U3abc",) + (b"A@",) * 60_000, AnswerAt.END,
     Fault.TOO_LARGE),
    # -- health check on the same port (FOLIO) ----------------------------------------------
    ("GET up to a blank line (CRLF)", (b"GET / HTTP/1.0\r\n\r\n",), AnswerAt.RECORD,
     HealthCheck(request_line=b"GET / HTTP/1.0")),
    ("GET up to a blank line (LF)", (b"GET /health HTTP/1.1\nHost: x\n\n",), AnswerAt.RECORD,
     HealthCheck(request_line=b"GET /health HTTP/1.1")),
    ("GET split across reads", (b"GE", b"T / HTTP/1.0\r\n", b"\r\n"), AnswerAt.RECORD,
     HealthCheck(request_line=b"GET / HTTP/1.0")),
    ("GET without its blank line yet waits", (b"GET / HTTP/1.0\r\n",), AnswerAt.RECORD,
     NEED_DATA),
    ("GET ended by the close", (b"GET /\n", CLOSE), AnswerAt.RECORD,
     HealthCheck(request_line=b"GET /")),
    ("a G that does not become GET", (b"GX",), AnswerAt.RECORD, Fault.UNEXPECTED_BYTE),
]


@pytest.mark.parametrize(("chunks", "answer_at", "expected"),
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_framing(chunks: tuple[bytes, ...], answer_at: AnswerAt, expected: object) -> None:
    assert outcome(feed(chunks, answer_at=answer_at)) == expected


def test_a_final_event_stays_final() -> None:
    parser = RequestParser()
    parser.receive_data(b"U3abc" + RECORD)
    first = parser.next_event()
    parser.receive_data(b"junk that would be a fault")
    parser.receive_data(CLOSE)
    assert parser.next_event() == first == request(RECORD, user=b"abc")


def test_the_limit_is_the_option() -> None:
    assert outcome(feed((b"U3abc" + RECORD,), max_bytes=len(RECORD))) is Fault.TOO_LARGE
    assert outcome(feed((b"U3abc" + RECORD,), max_bytes=len(RECORD) + 5)) == request(
        RECORD, user=b"abc")


def test_the_password_never_shows_in_repr() -> None:
    shown = repr(request(password=b"s3cret"))
    assert "s3cret" not in shown
    assert "password=<6 bytes>" in shown


def test_only_bytes_are_fed() -> None:
    with pytest.raises(TypeError):
        RequestParser().receive_data("U3abc")  # type: ignore[arg-type]


def test_refusal_counts_what_was_received() -> None:
    event = feed((b"U3abc", b"\x00tail"))
    assert isinstance(event, BadRequest)
    assert (event.fault, event.received) == (Fault.NO_RECORD, 10)


ONE_RECORD = [case for case in CASES
              if isinstance(case[3], ExportRequest) and case[3].ending is Ending.RECORD]


@given(case=st.sampled_from(ONE_RECORD), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_any_split_gives_the_same_request(case: Case, cuts: list[int]) -> None:
    """TCP may cut a request anywhere: the event is the same for every split of its bytes."""
    whole = b"".join(case[1])
    edges = sorted({0, len(whole), *(cut % (len(whole) + 1) for cut in cuts)})
    chunks = tuple(whole[begin:end] for begin, end in itertools.pairwise(edges)
                   if end > begin)
    assert feed(chunks, answer_at=case[2]) == case[3]


def test_one_byte_at_a_time_is_not_quadratic() -> None:
    """A 99,000-byte request fed byte by byte parses in linear time (each byte seen O(1) times)."""
    big = b"A@" * 49_500
    parser = RequestParser(answer_at=AnswerAt.END)
    for index in range(len(big)):
        parser.receive_data(big[index:index + 1])
        assert parser.next_event() is NEED_DATA
    parser.receive_data(b"\x00")
    assert outcome(parser.next_event()) is Fault.NO_RECORD


@given(chunks=st.lists(st.binary(max_size=64), max_size=12), close=st.booleans(),
       answer_at=st.sampled_from(list(AnswerAt)), max_bytes=st.integers(1, 300))
def test_any_bytes_give_an_event_never_an_exception(chunks: list[bytes], close: bool,
                                                    answer_at: AnswerAt, max_bytes: int) -> None:
    """Total: whatever a client sends, the parser answers with an event (the module's promise)."""
    parser = RequestParser(answer_at=answer_at, max_bytes=max_bytes)
    for chunk in [*chunks, *([b""] if close else [])]:
        parser.receive_data(chunk)
        event = parser.next_event()
        assert isinstance(event, NeedData | ExportRequest | HealthCheck | BadRequest)
    assert parser.received == sum(map(len, chunks))
    if close:  # the request has ended: the event is final, never NEED_DATA
        assert parser.next_event() is not NEED_DATA
