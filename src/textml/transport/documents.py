"""Files, translated as jobs (service/files.py): the native routes.

POST /documents               multipart: file, language?, source? -> 202 {id, status, progress, ...} (DocumentJob)
GET  /documents/{id}          the job: status (queued, translating, done, failed), progress 0-1, error
GET  /documents/{id}/result   the translated file, with its media type and name (Content-Disposition); 409 until
                              the job is done, 404 for an id not known (or its result removed: kept an hour)

A file of a format not served is refused 415, one its library can't read 400, one over 20 MiB (or a million
characters of text) 413, each naming the problem, before a job is made. Status and result answer from any ingress
replica. DeepL's document API and LibreTranslate's /translate_file run on the same jobs (deepl.py,
libretranslate.py).
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from ray import serve

from textml.limits import MAX_FILE_BYTES
from textml.service.files import FileJobs
from textml.service.schema import DocumentJob, LanguageChoice, SourceChoice
from textml.transport.bodies import parameters
from textml.transport.errors import Refusal

router = APIRouter(prefix="/documents", tags=["Files"])


def file_jobs() -> FileJobs:
    """The file jobs of the replica answering: the ingress deployment holds them as `files`."""
    return serve.get_replica_context().servable_object.files


Files = Annotated[FileJobs, Depends(file_jobs)]


async def form_upload(request: Request) -> tuple[dict, Any]:
    """The parameters of a multipart request as another service's API takes them, and its `file` field apart: 400
    naming the field when there is none."""
    given = await parameters(request)
    upload = given.pop("file", None)
    if not hasattr(upload, "read"):
        raise Refusal(400, "file: send the file as the multipart field `file`")
    return given, upload


async def file_bytes(file: UploadFile) -> tuple[str, bytes]:
    """The upload's name and bytes: 400 without a name (its extension says its format), 413 over the limit."""
    if not file.filename:
        raise Refusal(400, "file: the upload has no file name; its extension says the file's format")
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Refusal(413, f"file: {file.filename!r} is over {MAX_FILE_BYTES} bytes (20 MiB), the limit")
    return file.filename, data


def content_disposition(filename: str) -> str:
    """An attachment's name, for every client: ASCII as is, any other in RFC 5987's form beside an ASCII one."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def file_response(found: tuple[bytes, str, str]) -> Response:
    data, media_type, filename = found
    return Response(data, media_type=media_type, headers={"Content-Disposition": content_disposition(filename)})


def unknown(id: str) -> Refusal:
    return Refusal(404, f"no file job {id!r} here: mistyped, or its result was removed (results are kept an hour)")


@router.post("", status_code=202, summary="Translate a file (a job: its id, then its status and result)")
async def upload(
    file: Annotated[UploadFile, File(description="the file: .txt .md .html .srt .docx .pptx .odt ...")],
    files: Files,
    language: Annotated[LanguageChoice, Form()] = None,
    source: Annotated[SourceChoice, Form()] = None,
) -> DocumentJob:
    filename, data = await file_bytes(file)
    return DocumentJob(**await files.submit(filename, data, language, source))


@router.get("/{id}", summary="A file job's status and progress")
async def status(id: str, files: Files) -> DocumentJob:
    view = await files.status(id)
    if view is None:
        raise unknown(id)
    return DocumentJob(**view)


@router.get("/{id}/result", summary="A done file job's translated file", response_class=Response)
async def result(id: str, files: Files) -> Response:
    view = await files.status(id)
    if view is None:
        raise unknown(id)
    if view["status"] != "done":
        raise not_ready(view)
    return file_response(await files.result(id))


def not_ready(view: dict) -> Refusal:
    if view["status"] == "failed":
        return Refusal(409, f"the file job failed: {view['error']}")
    return Refusal(
        409, f"the file is still {view['status']} ({view['progress']:.0%}); ask again when its status is done"
    )
