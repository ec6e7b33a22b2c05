"""Progress on the terminal: a line per finished unit of a run, or of every task of a suite."""

from __future__ import annotations

from typing import Any


class RunProgress:
    """rich progress bars, one per family for its trials, then its seeds; when standard output
    is not a terminal (a log file, CI, nohup), one line per finished stage with elapsed time."""

    def __init__(self, console: Any) -> None:
        import time

        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console
        self.plain = not console.is_terminal
        self.t0 = time.perf_counter()
        self.bar = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[tuple[str, str], Any] = {}
        self.done: dict[tuple[str, str], list[int]] = {}  # [done, total] per stage (plain)
        self.started = False

    def _line(self, text: str) -> None:
        import time

        took = time.perf_counter() - self.t0
        self.console.print(f"[{took:7.1f} s] {text}", highlight=False, markup=False)

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "start":
            if self.plain:
                self._line(
                    f"data prepared; running on {info['workers']} {info['executor']} worker(s)"
                )
                for fam, t in info["families"].items():
                    self.done[(fam, "trial")] = [t["trials_done"], t["trials"]]
                    self.done[(fam, "seed")] = [t["seeds_done"], t["seeds"]]
                self.started = True
                return
            self.bar.console.print(f"running on {info['workers']} {info['executor']} worker(s)")
            for fam, t in info["families"].items():
                self.tasks[(fam, "trial")] = self.bar.add_task(
                    f"{fam} trials", total=t["trials"], completed=t["trials_done"]
                )
                self.tasks[(fam, "seed")] = self.bar.add_task(
                    f"{fam} seeds", total=t["seeds"], completed=t["seeds_done"]
                )
            self.bar.start()
            self.started = True
        elif event == "unit" and self.started:
            key = (info["family"], info["kind"])
            if not self.plain:
                self.bar.advance(self.tasks[key])
            elif key in self.done:
                self.done[key][0] += 1
                n, total = self.done[key]
                if n == total:
                    what = "trials" if key[1] == "trial" else "final seeds"
                    self._line(f"{key[0]}: {total} {what} done")
        elif event == "report":
            self.stop()
            if self.plain:
                self._line("units and statistics done; writing the report ...")
            else:
                self.bar.console.print("writing the report ...")

    def stop(self) -> None:
        if self.started and not self.plain:
            self.bar.stop()
        self.started = False


class SuiteProgressLines:
    """One line per task start and end, and a count of units every tenth unit."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.units = 0

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "task_start":
            self.console.print(f"task {info['task']}: started")
        elif event == "task_done":
            self.console.print(f"task {info['task']}: done")
        elif event == "task_failed":
            self.console.print(f"task {info['task']}: [red]failed[/]", highlight=False)
        elif event == "unit":
            self.units += 1
            if self.units % 10 == 0:
                self.console.print(f"{self.units} units finished (last: {info['task']})")
        elif event == "report":
            self.console.print("writing the reports ...")
