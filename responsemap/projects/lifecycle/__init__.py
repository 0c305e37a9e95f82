"""A project's life: design -> active -> closed -> destroyed (``actions``)."""
