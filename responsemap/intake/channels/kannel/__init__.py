"""The Kannel SMS gateway (bearerbox + smsbox), usually in front of an operator's SMPP
link. See ``adapter`` for the wire contract and deploy/kannel/ for the configuration."""
