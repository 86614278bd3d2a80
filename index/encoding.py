"""Bytes → str for uploaded and ingested files: UTF-8 first, then detection, refusing binary data."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

# Encodings charset-normalizer may name for Chinese text; any of them reads correctly as GB18030 or Big5.
_CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950", "cp936"}
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


class NotTextError(ValueError):
    """The bytes are not text in any encoding we can read."""


def decode_bytes(data: bytes) -> str:
    """Decode file contents, stripping a BOM. Raises NotTextError for binary data."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Windows "Unicode" text: NUL bytes are expected here, so decode before the binary check.
        return _checked(_try_decode(data, "utf-16"))
    if b"\x00" in data:
        raise NotTextError("binary file, not text")
    text = _try_decode(data, "utf-8")
    if text is None:
        text = _detect(data)
    return _checked(text)


def _detect(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is not None and best.encoding.lower() in _CHINESE_ENCODINGS:
        return str(best)
    # Short Chinese snippets in GBK are often taken for Korean (cp949) or a Latin code page; this bot reads
    # Chinese news, so GB18030 wins whenever it decodes cleanly into mostly Chinese text.
    gb_text = _try_decode(data, "gb18030")
    if gb_text is not None and _mostly_cjk(gb_text):
        return gb_text
    return str(best) if best is not None else None


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _mostly_cjk(text: str) -> bool:
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return non_ascii > 0 and len(_CJK.findall(text)) >= 0.9 * non_ascii


def _checked(text: str | None) -> str:
    if text is None or len(_CONTROL.findall(text)) > max(2, len(text) // 200):
        raise NotTextError("binary file, not text")
    return text
