"""The baseline for the TUI figures: a bare Textual app with Header/Tree/Input/Footer.

Run headless, it exits as soon as it is ready (first paint), so its whole-process time and peak
memory are what any Textual app of that shape costs before it does anything.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Input, Tree


class BareApp(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Tree("project")
        yield Input(placeholder="message")
        yield Footer()

    def on_ready(self) -> None:
        self.exit()


if __name__ == "__main__":
    BareApp().run(headless=True)
