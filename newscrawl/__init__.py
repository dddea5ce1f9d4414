"""newscrawl: crawler and archiver for regional news of Kazakhstan and Russia."""

__version__ = "0.1.0"
