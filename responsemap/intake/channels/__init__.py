"""Channel adapters, one sub-package per kind, all registered in ``registry``."""
