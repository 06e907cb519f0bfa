"""Domain logic: plain functions over models. Services flush; the caller commits once."""
