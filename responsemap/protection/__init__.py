"""The privacy kernel: keys, encrypted fields, blind indexes, the field catalogue,
``present()``, and the audit log. Knows nothing about feedback."""
