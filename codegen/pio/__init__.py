"""PlatformIO, offline: a core seeded from local parts, projects written from board data, `pio run`."""
