"""Pure domain logic: models, patches, tree helpers and diffs. No I/O, no Textual, no ORM, no litellm."""
