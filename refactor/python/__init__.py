"""The Python engine: rope refactors, rename, pyflakes checks and import fixes.

Nothing here imports rope at module import time; the functions that need it import it
when they run (on a workspace's worker thread, see `refactor.python.workspace`).
"""
