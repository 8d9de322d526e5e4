"""What a request may carry: one place for every limit the service enforces."""

# A document for text_ml_app, in characters: longer ones get 413 naming the limit.
MAX_TEXT_CHARS = 100_000
# A batch request is answered in one piece: this bounds how long it holds a slot.
MAX_BATCH_TEXTS = 32
MAX_BATCH_CHARS = 200_000
# Summaries longer than this are refused rather than decoded for seconds.
MAX_SUMMARY_TOKENS = 256
# Bodies larger than these are refused by their size, before they are parsed or reach a model. A document
# of MAX_TEXT_CHARS fits in JSON with room to spare (a character escaped as \uXXXX takes 6 bytes).
MAX_TEXT_BODY_BYTES = 1024 * 1024
MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024
# fruit_app and math_app take a two-item list.
MAX_SMALL_BODY_BYTES = 64 * 1024


# A file to translate (POST /documents, DeepL's /v2/document, LibreTranslate's /translate_file): its size, and the
# characters of text it may hold (the text of a 20 MiB .docx is far less than its zipped XML).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILE_CHARS = 1_000_000
# What a multipart upload adds to its file: the other fields and the parts' headers.
MULTIPART_ALLOWANCE_BYTES = 64 * 1024
FILE_ROUTES = ("/documents", "/v2/document", "/libretranslate/translate_file")

# DeepL's API takes up to 50 texts in one request; its clients send them so.
MAX_DEEPL_TEXTS = 50
# The routes of the APIs of other services, which take lists of texts: their bodies may be as large as a batch.
LIST_ROUTES = ("/batch", "/libretranslate/translate", "/v2/translate")


def text_body_limit(path: str) -> int:
    """The body size a request to text_ml_app's route `path` may have."""
    route = path.rstrip("/")
    if route.endswith(FILE_ROUTES):
        return MAX_FILE_BYTES + MULTIPART_ALLOWANCE_BYTES
    return MAX_BATCH_BODY_BYTES if route.endswith(LIST_ROUTES) else MAX_TEXT_BODY_BYTES
