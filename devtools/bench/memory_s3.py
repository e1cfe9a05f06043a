"""An S3 client in memory for the batch benchmark: get_object (Range, IfMatch), put_object,
delete_object. The worker's own cost is what the benchmark measures; S3's transfer time is added
from a stated bandwidth, not from whatever a local emulator happens to do."""
import hashlib
import io
from typing import Any


class MemoryS3:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.bytes_read = 0
        self.bytes_written = 0

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> dict[str, Any]:
        self.objects[(Bucket, Key)] = bytes(Body)
        self.bytes_written += len(Body)
        return {"ETag": self.etag(Bucket, Key)}

    def etag(self, bucket: str, key: str) -> str:
        return '"' + hashlib.md5(self.objects[(bucket, key)]).hexdigest() + '"'

    def get_object(self, Bucket: str, Key: str, Range: str | None = None, IfMatch: str | None = None) -> dict[str, Any]:
        data = self.objects[(Bucket, Key)]
        if Range:
            first, last = Range.removeprefix("bytes=").split("-")
            data = data[int(first):int(last) + 1]
        self.bytes_read += len(data)
        return {"Body": io.BytesIO(data)}

    def delete_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.objects.pop((Bucket, Key), None)
        return {}
