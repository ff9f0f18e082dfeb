"""Presentation: the text reports the CLI prints from the engine's JSON documents."""
