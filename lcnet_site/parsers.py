"""The API's JSON parser (settings REST_FRAMEWORK DEFAULT_PARSER_CLASSES): malformed JSON is DRF's 400 already;
JSON nested deeper than Python's recursion limit would escape as a RecursionError (a 500), so it is a 400 too.
Bodies are small by then: lcnet_site.request_guard refused the large ones unread."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
