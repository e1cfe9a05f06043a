"""What CloudWatch Logs and Firehose do to capture records on AWS and LocalStack 4.14 does not,
as plain functions (standard library only: unit-tested from the dev venv, applied inside LocalStack
by patches.py). The capture path is: the inference function's log group (LoggingConfig) ->
subscription filter `{ $.record_type = "prediction" || $.record_type = "feedback" }` -> Firehose
(Decompression, CloudWatchLogProcessing, AppendDelimiterToRecord; GZIP) -> S3
`capture/!{timestamp:yyyy/MM/dd/HH}/`. LocalStack forwards every log line whatever the filter,
runs none of those processors, writes uncompressed objects and leaves `!{timestamp:...}` in the key."""
import gzip
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from typing import Any

Matcher = Callable[[str], bool]

_COMPARISON = re.compile(
    r"""\s*\$\.(?P<path>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*(?P<op>!?=)\s*
        (?:"(?P<string>[^"]*)"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))\s*$""", re.VERBOSE)


def _comparison(text: str) -> Callable[[dict], bool] | None:
    match = _COMPARISON.match(text)
    if not match:
        return None
    keys, negate = match["path"].split("."), match["op"] == "!="

    def compare(document: dict) -> bool:
        value: Any = document
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return False  # a field the event lacks matches neither = nor != (the capture filter uses =)
            value = value[key]
        if match["string"] is not None:
            equal = isinstance(value, str) and fnmatchcase(value, match["string"])
        else:
            equal = isinstance(value, (int, float)) and not isinstance(value, bool) and value == float(match["number"])
        return equal != negate

    return compare


def json_filter(pattern: str) -> Matcher | None:
    """A matcher for a JSON filter pattern made of `$.field = "text"`, `$.field != 5`, ... joined by
    && and || (&& first), as CloudWatch Logs applies it to each log event's message: an event that
    is not a JSON object never matches. None for any other pattern (parentheses, <, >, IS NULL,
    EXISTS, arrays, term patterns): not emulated here."""
    pattern = pattern.strip()
    if not (pattern.startswith("{") and pattern.endswith("}")) or any(c in pattern for c in "()<>[]"):
        return None
    alternatives = []
    for alternative in pattern[1:-1].split("||"):
        terms = [_comparison(term) for term in alternative.split("&&")]
        if not terms or any(term is None for term in terms):
            return None
        alternatives.append(terms)

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        if not isinstance(document, dict):
            return False
        return any(all(term(document) for term in terms) for terms in alternatives)

    return matches


def decompress(data: bytes) -> bytes:
    """Firehose's Decompression processor (CompressionFormat GZIP): what CloudWatch Logs sends
    a subscription is a gzip'd JSON envelope."""
    return gzip.decompress(data)


def extract_messages(data: bytes) -> bytes | None:
    """CloudWatchLogProcessing with DataMessageExtraction: a DATA_MESSAGE envelope becomes its log
    events' messages, one per line; a CONTROL_MESSAGE (CloudWatch Logs' connectivity check) is
    dropped (None)."""
    envelope = json.loads(data)
    if envelope.get("messageType") != "DATA_MESSAGE":
        return None
    return "\n".join(event["message"] for event in envelope["logEvents"]).encode()


def append_delimiter(data: bytes) -> bytes:
    """AppendDelimiterToRecord with no Delimiter parameter: a newline."""
    return data + b"\n"


PROCESSORS: dict[str, Callable[[bytes], bytes | None]] = {
    "Decompression": decompress,
    "CloudWatchLogProcessing": extract_messages,
    "AppendDelimiterToRecord": append_delimiter,
}

_JAVA_DATE = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_TIMESTAMP = re.compile(r"!\{timestamp:([^}]*)\}")


def evaluate_prefix(prefix: str, now: datetime) -> tuple[str, bool]:
    """An S3 prefix with Firehose's `!{timestamp:<Java date format>}` expressions evaluated at
    `now` (UTC), and whether it had any: with one, Firehose adds no YYYY/MM/dd/HH/ of its own."""
    def replace(match: re.Match) -> str:
        java = match.group(1)
        for token, directive in _JAVA_DATE.items():
            java = java.replace(token, directive)
        return now.astimezone(timezone.utc).strftime(java)

    evaluated, count = _TIMESTAMP.subn(replace, prefix)
    return evaluated, count > 0
