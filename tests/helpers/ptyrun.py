"""Drive a program through a pseudo-terminal, as a person at a terminal would (stdlib `pty`, POSIX only).

    with PtyProcess([sys.executable, "-m", "bot", "demo"], cwd=tmp) as p:
        p.expect("Bot đã sẵn sàng")     # waits for output matching the regex (TimeoutError otherwise)
        p.sendline("/help")
        p.sendintr()                     # Ctrl-C, delivered by the terminal's line discipline as SIGINT
        assert p.wait(timeout=30) == 0
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import time
from collections.abc import Sequence
from types import TracebackType


class PtyProcess:
    def __init__(self, argv: Sequence[str], *, cwd: str | os.PathLike[str], env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal and it leads the foreground group
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], list(argv), env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = ""  # everything read so far
        self.pos = 0  # where the next expect() starts searching
        self.status: int | None = None
        self._buf = b""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        self._buf += chunk
        self.output = self._buf.decode("utf-8", errors="replace")
        return True

    def expect(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """Wait until output after the previous match matches `pattern`; move past the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            found = rx.search(self.output, self.pos)
            if found:
                self.pos = found.end()
                return found
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.5)) and not rx.search(self.output, self.pos):
                tail = self.output[max(0, self.pos - 500):]
                raise TimeoutError(f"no {pattern!r} in the output (after the previous match):\n{tail}")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def sendline(self, text: str = "") -> None:
        self.send(text + "\r")

    def sendintr(self) -> None:
        self.send("\x03")

    def alive(self) -> bool:
        if self.status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self.status = os.waitstatus_to_exitcode(status)
        return False

    def wait(self, timeout: float) -> int:
        """Wait for the exit (reading the output meanwhile); its exit code (-N for signal N)."""
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                raise TimeoutError(f"still running after {timeout}s; output:\n{self.output[-2000:]}")
            self._read(0.2)
        while self._read(0.05) and select.select([self.fd], [], [], 0)[0]:
            pass
        assert self.status is not None
        return self.status

    def __enter__(self) -> PtyProcess:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
