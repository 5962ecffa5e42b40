"""Reading a user's file (a brief, an import) or standard input: bounded, UTF-8, line endings made \\n.

Shared by the CLI, the TUI and the lean import, without loading what `actions` loads."""

from __future__ import annotations

from pathlib import Path

from taskforge.core.errors import BadInput

_CHUNK = 1 << 20


def read_text_file(source: str, limit: int | None = None) -> str:
    """A UTF-8 file's text (a brief, an import), read in chunks up to `limit` bytes (by default the
    `max_input_bytes` setting)."""
    if limit is None:
        from taskforge.config import settings

        limit = settings().max_input_bytes
    path = Path(source).expanduser()
    try:
        with path.open("rb") as handle:
            data = read_bounded(handle, limit, source)
    except FileNotFoundError:
        raise BadInput(f"no such file: {source}") from None
    except IsADirectoryError:
        raise BadInput(f"{source} is a directory") from None
    except OSError as exc:
        raise BadInput(f"cannot read {source}: {exc.strerror}") from None
    return decoded(data, source)


def read_bounded(stream, limit: int, name: str) -> bytes | str:
    """At most `limit` bytes from `stream`; one more is an error, so /dev/zero ends after `limit`."""
    chunks = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise BadInput(
                f"{name} is larger than the input limit of {limit:,} bytes "
                "(the max_input_bytes setting, TASKFORGE_MAX_INPUT_BYTES)"
            )
    return chunks[0][:0].join(chunks) if chunks else b""


def decoded(data: bytes | str, name: str) -> str:
    """UTF-8 text with its line endings made \\n, as reading in text mode would."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(f"{name} is not UTF-8 text") from None
    return data.replace("\r\n", "\n").replace("\r", "\n") if "\r" in data else data
