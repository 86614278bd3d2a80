"""jieba.posseg with its word-tag table read from a cache instead of parsed from dict.txt on import.

Importing jieba.posseg builds its default tagger at once, and that parses all 349k lines of jieba's dict.txt in
Python (~0.3-0.4 s CPU) for a word -> tag table. Here the table is kept, once per machine, as a marshal file beside
jieba's own dictionary cache, keyed by the dictionary's size and mtime, so later starts unmarshal it instead
(~0.1 s). The table is the one posseg would have built, so tagging is unchanged.
"""

from __future__ import annotations

import importlib
import io
import marshal
import os
import sys
import tempfile
from types import ModuleType

import jieba

import index.tokenize  # noqa: F401  (jieba's faster cache reading)

_CACHE_NAME = "jieba.posseg.cache"


def _dictionary() -> str | None:
    """Path of the dictionary jieba's default tokenizer reads; None when it is not jieba's own file."""
    if jieba.dt.dictionary not in (None, jieba.DEFAULT_DICT):
        return None
    return os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)


def _cache_path() -> str:
    return os.path.join(jieba.dt.tmp_dir or tempfile.gettempdir(), _CACHE_NAME)


def _key(dictionary: str) -> tuple[str, int, int]:
    stat = os.stat(dictionary)
    return dictionary, stat.st_size, stat.st_mtime_ns


def _read_cache(key: tuple[str, int, int]) -> dict[str, str] | None:
    try:
        with open(_cache_path(), "rb") as f:
            cached_key, table = marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return table if tuple(cached_key) == key else None


def _write_cache(key: tuple[str, int, int], table: dict[str, str]) -> None:
    path = _cache_path()
    # Interned tags are written once and referenced: a smaller file that loads faster.
    data = marshal.dumps((key, {word: sys.intern(tag) for word, tag in table.items()}))
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=_CACHE_NAME)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only temp dir: posseg just parses dict.txt again next time


def posseg() -> ModuleType:
    """The jieba.posseg module, imported now if it was not yet."""
    if "jieba.posseg" in sys.modules:
        return sys.modules["jieba.posseg"]
    dictionary = _dictionary()
    key = _key(dictionary) if dictionary else None
    table = _read_cache(key) if key else None
    if table is None:
        module = importlib.import_module("jieba.posseg")
        if key:
            _write_cache(key, module.dt.word_tag_tab)
        return module
    # posseg's import-time tagger reads its table from jieba.dt.get_dict_file(): hand it an empty file and
    # give it the cached table instead.
    jieba.dt.get_dict_file = lambda: io.BytesIO(b"")
    try:
        module = importlib.import_module("jieba.posseg")
    finally:
        del jieba.dt.get_dict_file
    module.dt.word_tag_tab = table
    return module
