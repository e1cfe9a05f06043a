"""An in-memory stand-in for the S3 client calls CaptureReader makes (list_objects_v2 pages and
get_object), for tests that read thousands of objects where a moto server would dominate."""
import io


class ObjectsS3:
    def __init__(self, objects: dict[str, bytes]):
        self.objects = objects

    def get_object(self, Bucket: str, Key: str) -> dict:
        return {"Body": io.BytesIO(self.objects[Key])}

    def get_paginator(self, name: str):
        objects = self.objects

        class Pages:
            def paginate(self, Bucket: str, Prefix: str):
                yield {"Contents": [{"Key": key} for key in sorted(objects) if key.startswith(Prefix)]}
        return Pages()
