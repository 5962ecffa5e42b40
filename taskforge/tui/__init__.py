"""The Textual shell. Only `taskforge` with no command imports this package."""
