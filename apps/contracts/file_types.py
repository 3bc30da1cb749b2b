"""Which files a contract may keep, told by their content: PDF, PNG, JPEG, plain text and DOCX.

A client's content type and a file's name are claims; the first bytes (and, for DOCX, the zip
directory) are what the file is. An ``.exe`` renamed ``.pdf`` starts with ``MZ``, not ``%PDF-``,
and is refused. The name must also end as the content says, so that whoever downloads the file
opens it with the program it was checked for.

Pure Python (no Django): the rules are tested on their own.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType("PNG", "image/png", (".png",))
JPEG = FileType("JPEG", "image/jpeg", (".jpg", ".jpeg"))
TEXT = FileType("plain text", "text/plain", (".txt",))
DOCX = FileType(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
ALLOWED = (PDF, PNG, JPEG, TEXT, DOCX)
ALLOWED_WORDS = "PDF, PNG, JPEG, plain text (.txt) or DOCX"

_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
_ZIP = b"PK\x03\x04"
# The parts every Word document holds; an .xlsx or a plain zip lacks the first.
_DOCX_PARTS = {"word/document.xml", "[Content_Types].xml"}
# Text may hold tabs, line and page breaks; any other control character (NUL above all) marks
# a binary file.
_TEXT_CONTROLS = {"\t", "\n", "\r", "\f"}
_CHUNK = 64 * 1024


class RefusedFile(ValueError):
    """The file is not one a contract may keep; the message says why, for the person."""


def _is_docx(stream: BinaryIO) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:  # reads the directory only, never inflates
            return set(archive.namelist()) >= _DOCX_PARTS
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def _is_text(stream: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_CHUNK):
            text = decoder.decode(chunk)
            if any(ch < " " and ch not in _TEXT_CONTROLS for ch in text):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect(stream: BinaryIO) -> FileType | None:
    """The allowed type the content is, or None. Reads from the start; leaves it at the start."""
    try:
        stream.seek(0)
        head = stream.read(8)
        stream.seek(0)
        for magic, found in _MAGIC:
            if head.startswith(magic):
                return found
        if head.startswith(_ZIP):
            return DOCX if _is_docx(stream) else None
        return TEXT if head and _is_text(stream) else None
    finally:
        stream.seek(0)


def safe_name(name: str, *, max_length: int = 200) -> str:
    """A file name that is safe to store and to send back: no folders, no control or quoting
    characters, no leading dots, at most ``max_length`` characters with its extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;,\s]+', " ", name).strip(" .")
    name = re.sub(r" +", " ", name)
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) < 10:
            name = stem[: max_length - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:max_length]
    return name


def label_of(content_type: str) -> str:
    """How people call a type: "PDF" for application/pdf (the type itself if not one of ours)."""
    return next((kind.label for kind in ALLOWED if kind.content_type == content_type), content_type)


def extension_of(name: str) -> str:
    _, dot, extension = name.rpartition(".")
    return f".{extension.lower()}" if dot else ""


def check(stream: BinaryIO, name: str) -> FileType:
    """The file's type when its content is an allowed one and its name ends as that type's;
    RefusedFile saying why otherwise."""
    found = detect(stream)
    if found is None:
        raise RefusedFile(
            f"“{name}” is not a file a contract keeps: its content is not {ALLOWED_WORDS}."
        )
    extension = extension_of(name)
    if extension not in found.extensions:
        raise RefusedFile(
            f"“{name}” holds {found.label}, so its name must end {' or '.join(found.extensions)}."
        )
    return found
