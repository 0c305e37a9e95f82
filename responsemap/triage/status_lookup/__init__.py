"""Status by reference code (issue 10, point 7): a person who holds a record's reference
code asks what stage it is at, on the public page (``/f/<slug>/status/``) or by texting
the code, and learns the public stage and nothing else. Also where a reference is made
unique as its record is born (``references``). See docs/status-lookup.md."""
