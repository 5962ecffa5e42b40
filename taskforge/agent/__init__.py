"""The agent: planners that turn a message into a patch for review, and the service that drives them."""
