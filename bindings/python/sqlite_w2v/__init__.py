"""word2vec inside SQLite: the w2v loadable extension for Python's sqlite3.

    import sqlite3, sqlite_w2v
    con = sqlite3.connect("my.db")
    con.enable_load_extension(True)
    sqlite_w2v.load(con)
    con.enable_load_extension(False)
    con.execute("SELECT w2v_train('docs', 'body', 'model=emb')")

The package carries the compiled extension (w2v.so); loadable_path() gives
its path for hosts other than the sqlite3 module (e.g. `.load` in the shell).
"""
import os
import sys

__version__ = "0.1.0"

_here = os.path.dirname(os.path.abspath(__file__))


def loadable_path():
    """The path of the packaged extension file (w2v.so, w2v.dylib or w2v.dll)."""
    if sys.platform == "win32":
        names = ("w2v.dll",)
    elif sys.platform == "darwin":
        names = ("w2v.dylib",)
    else:
        names = ("w2v.so",)
    for name in names:
        path = os.path.join(_here, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError("sqlite_w2v: the extension file (%s) is missing from %s" % (names[0], _here))


def load(conn):
    """Load w2v into the sqlite3 connection `conn`.

    As with sqlite-vec, extension loading must be enabled on the connection
    first (conn.enable_load_extension(True)); the entry point is
    sqlite3_w2v_init, which SQLite derives from the file name.
    """
    conn.load_extension(loadable_path())
