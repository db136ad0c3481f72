"""Validated uploads shared by every form and service that accepts an image."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
LOGO_MAX_SIDE = 2000


def sanitise_logo(upload) -> ContentFile:
    """Validate an uploaded logo and return it re-encoded as a metadata-free PNG.

    The format is what Pillow finds in the bytes (never the client's content type or file
    name): PNG, JPEG or WebP only — SVG can carry scripts. The size and pixel limits are
    checked before the image is decoded, so a small file cannot expand into a huge bitmap.
    """
    if upload.size is not None and upload.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s; upload an image of at most %(limit)s."),
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.LOGO_MAX_BYTES),
            },
            code="too_large",
        )
    not_an_image = ValidationError(
        _("Upload a PNG, JPEG or WebP image (SVG and other formats are not accepted)."),
        code="invalid_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=LOGO_FORMATS) as image:
                width, height = image.size
                if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                    raise ValidationError(
                        _(
                            "The logo is %(width)s×%(height)s pixels; use at most "
                            "%(limit)s×%(limit)s."
                        ),
                        params={"width": width, "height": height, "limit": LOGO_MAX_SIDE},
                        code="too_many_pixels",
                    )
                image.verify()
            # verify() leaves the image unusable: open it again to decode it.
            upload.seek(0)
            with Image.open(upload, formats=LOGO_FORMATS) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
                    upright.mode == "P" and "transparency" in upright.info
                )
                clean = upright.convert("RGBA" if has_alpha else "RGB")
                # Drop EXIF, ICC profiles, text chunks and anything else that came along.
                clean.info = {}
                output = io.BytesIO()
                clean.save(output, format="PNG", optimize=True)
    except ValidationError:
        raise
    except Exception as error:  # any decoder failure is the upload's fault, never a 500
        raise not_an_image from error
    return ContentFile(output.getvalue(), name="logo.png")


def logo_help_text() -> str:
    return _(
        "PNG, JPEG or WebP, at most %(size)s and %(side)s×%(side)s pixels. "
        "A wide logo on a transparent background looks best."
    ) % {"size": filesizeformat(settings.LOGO_MAX_BYTES), "side": LOGO_MAX_SIDE}


# Documents people attach as evidence or context; no HTML/SVG/executables (they could run
# in a browser or on a desktop when downloaded).
ATTACHMENT_EXTENSIONS = frozenset(
    {"pdf", "png", "jpg", "jpeg", "webp", "txt", "csv", "zip"}
    | {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
)


def validate_attachment(upload, *, field: str = "file") -> None:
    """Refuse an attachment that is too large (TooLarge, 413) or of a type we do not keep
    (ValidationFailed naming `field`). The stored name is never the uploaded one."""
    from ecosystem.errors import TooLarge, ValidationFailed

    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise TooLarge(
            str(_("The file is %(size)s; attach at most %(limit)s."))
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field=field,
        )
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_EXTENSIONS:
        raise ValidationFailed(
            str(_("Attach a PDF, image, office document, text, CSV or ZIP file.")), field=field
        )


#: What a file of each type starts with; a file whose bytes disagree with its name is refused.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "webp": (b"RIFF",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "csv": "text/csv",
    "txt": "text/plain",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def validate_typed_file(upload, *, extensions, field: str = "file", label: str = "") -> str:
    """Refuse a file over the attachment limit (413) or whose name or bytes are not one of
    `extensions` (400 naming `field`): the bytes must begin as the type says (a renamed .exe
    is not a PDF), and text files must be UTF-8 without NUL bytes. Returns the content type
    it will be served with."""
    from ecosystem.errors import ValidationFailed

    if upload is None:
        raise ValidationFailed(str(_("Choose a file to upload.")), field=field)
    validate_attachment(upload, field=field)
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    wrong_type = ValidationFailed(
        label or str(_("Upload a %(types)s file.")) % {"types": ", ".join(sorted(extensions))},
        field=field,
    )
    if extension not in extensions:
        raise wrong_type
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if extension in _SIGNATURES:
        if not head.startswith(_SIGNATURES[extension]):
            raise wrong_type
        if extension == "webp" and head[8:12] != b"WEBP":
            raise wrong_type
    else:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the 4 kB boundary is still text.
            if error.start < len(head) - 3:
                raise wrong_type from None
        if b"\x00" in head:
            raise wrong_type
    return CONTENT_TYPES.get(extension, "application/octet-stream")
