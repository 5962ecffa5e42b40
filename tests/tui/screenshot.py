"""Regenerate the README's screenshots (`make screenshot`): the real app after a goal, a refine,
approval and decompositions, taken with Textual's own SVG export."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from taskforge import actions
from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.service import AgentService
from taskforge.core.models import Mode
from taskforge.store.repository import SqlRepository
from taskforge.tui.app import TaskforgeApp


async def finish_work(app) -> None:
    """Wait for the app's workers but the change watcher, which runs as long as the app does."""
    running = [worker for worker in app.workers if worker.group != "watch"]
    if running:
        await app.workers.wait_for_complete(running)


async def main(folder_out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder, SqlRepository.open(str(Path(folder) / "shot.db")) as repo:
        service = AgentService(repo, OfflinePlanner())
        pid = service.accept(service.propose(None, Mode.PROJECT, None, "Build a new user authentication flow")).tree.project.id
        service.accept(service.propose(pid, Mode.PROJECT, None, "make documentation depend on the rollout"))
        actions.approve(repo, pid)
        first = repo.load(pid).roots[0]
        service.accept(service.propose(pid, Mode.TASK, first, "Break this down"))
        app = TaskforgeApp(repo=repo, planner=OfflinePlanner())
        async with app.run_test(size=(120, 34)) as pilot:
            await finish_work(app)
            await pilot.pause()
            await pilot.press("l", "l", "d")
            await pilot.pause()
            app.main_screen.chat.input.value = "Break this down"
            await pilot.press("enter")
            await finish_work(app)
            await pilot.pause(0.3)
            app.save_screenshot(filename="review.svg", path=str(folder_out))
            await pilot.press("a")
            await finish_work(app)
            await pilot.pause(0.3)
            app.main_screen.task_tree.focus()
            await pilot.pause(0.3)
            app.save_screenshot(filename="screenshot.svg", path=str(folder_out))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs").resolve()))
