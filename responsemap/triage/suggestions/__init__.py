"""Triage suggestions: for each new record a suggested type, sector, urgency and
protection flag, each with a confidence, for a person to accept or change.

- ``model``: the character n-gram model (hashed n-grams, TF-IDF, logistic regression),
  trained from the labelled messages in ``data/`` and, per project, from its staff's
  coding; stored as plain arrays (no pickle);
- ``cues``: words and phrases of emergencies and exploitation in the five languages,
  joined to the model's urgent score (urgent recall comes first);
- ``birth``: a suggestion for every record at its birth; an urgent or protection one
  raises the record and alerts, nothing else is applied;
- ``actions``: accepting or changing a suggestion (through ``do_recode_feedback``),
  training a project's model.
"""
