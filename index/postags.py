"""jieba.posseg with its word-tag table looked up in an SQLite file instead of parsed from dict.txt on import.

Importing jieba.posseg builds its default tagger at once, and that parses all 349k lines of jieba's dict.txt in
Python (~0.3 s CPU) into a word -> tag dict, of which a question needs a few dozen words. Here the table is kept,
once per machine, as an SQLite file beside jieba's own dictionary cache, keyed by the dictionary's size and mtime,
and the tagger looks each word up there (a few microseconds each). The tags are the ones posseg would have read,
so tagging is unchanged.
"""

from __future__ import annotations

import importlib
import io
import os
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Mapping
from types import ModuleType

import jieba

import index.tokenize  # noqa: F401  (jieba's faster cache reading)

_CACHE_NAME = "jieba.posseg.sqlite"


class WordTags:
    """The part of a dict posseg uses (get, update, copy), over the SQLite table plus words added in-process."""

    def __init__(self, connection: sqlite3.Connection, lock: threading.Lock, added: dict[str, str] | None = None):
        self._connection, self._lock, self._added = connection, lock, dict(added or {})

    def get(self, word: str, default: str | None = None) -> str | None:
        if word in self._added:
            return self._added[word]
        with self._lock:
            row = self._connection.execute("SELECT tag FROM tags WHERE word = ?", (word,)).fetchone()
        return row[0] if row else default

    def update(self, words: Mapping[str, str]) -> None:
        self._added.update(words)

    def copy(self) -> WordTags:
        return WordTags(self._connection, self._lock, self._added)


def _dictionary() -> str | None:
    """Path of the dictionary jieba's default tokenizer reads; None when it is not jieba's own file."""
    if jieba.dt.dictionary not in (None, jieba.DEFAULT_DICT):
        return None
    return os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)


def _cache_path() -> str:
    return os.path.join(jieba.dt.tmp_dir or tempfile.gettempdir(), _CACHE_NAME)


def _key(dictionary: str) -> str:
    stat = os.stat(dictionary)
    return f"{dictionary}|{stat.st_size}|{stat.st_mtime_ns}"


def _open_cache(key: str) -> WordTags | None:
    path = _cache_path()
    if not os.path.isfile(path):
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        row = connection.execute("SELECT value FROM meta WHERE name = 'dictionary'").fetchone()
    except sqlite3.Error:
        return None
    if not row or row[0] != key:
        connection.close()
        return None
    return WordTags(connection, threading.Lock())


def _write_cache(key: str, table: dict[str, str]) -> None:
    path = _cache_path()
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=_CACHE_NAME)
        os.close(fd)
        with sqlite3.connect(tmp) as connection:
            connection.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
            connection.execute("CREATE TABLE tags (word TEXT PRIMARY KEY, tag TEXT) WITHOUT ROWID")
            connection.executemany("INSERT INTO tags VALUES (?, ?)", table.items())
            connection.execute("INSERT INTO meta VALUES ('dictionary', ?)", (key,))
        connection.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error):
        pass  # a read-only temp dir: posseg just parses dict.txt again next time


def posseg() -> ModuleType:
    """The jieba.posseg module, imported now if it was not yet."""
    if "jieba.posseg" in sys.modules:
        return sys.modules["jieba.posseg"]
    dictionary = _dictionary()
    key = _key(dictionary) if dictionary else None
    tags = _open_cache(key) if key else None
    if tags is None:
        module = importlib.import_module("jieba.posseg")
        if key:
            _write_cache(key, module.dt.word_tag_tab)
        return module
    # posseg's import-time tagger reads its table from jieba.dt.get_dict_file(): hand it an empty file and
    # give it the SQLite table instead.
    jieba.dt.get_dict_file = lambda: io.BytesIO(b"")
    try:
        module = importlib.import_module("jieba.posseg")
    finally:
        del jieba.dt.get_dict_file
    module.dt.word_tag_tab = tags
    return module
