"""Duplicate texts: exact fingerprints, reprint signatures (MinHash) and their lookup in an index.

Nothing here imports the archive: the index to look in is handed over by the caller."""
