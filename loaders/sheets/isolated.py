"""Reading an uploaded spreadsheet in a child process with memory and time limits, so that a
file that makes the reader abort (python-calamine allocates a sheet's whole extent; a failed
allocation in Rust aborts the process) or run away takes only that child down, never the
dashboard serving everyone.

    sheets = read_sheets_isolated(data, "三季度.xls")     # as read_sheets, in a child

The child sets its own limits (resource.setrlimit: RLIMIT_AS for memory, RLIMIT_CPU for CPU
seconds) before it imports the reader, reads, and sends back the Sheets (or the LoaderError)
pickled on stdout; the parent also stops waiting after a wall-clock timeout. Limits come from
$SHEET_READ_MAX_MB (default 3072) and $SHEET_READ_TIMEOUT (seconds, default 120)."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from ..errors import LoaderError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAX_MB = 3072
DEFAULT_TIMEOUT = 120


def _limits() -> tuple[int, int]:
    def env_int(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(name, default)))
        except ValueError:
            return default
    return env_int("SHEET_READ_MAX_MB", DEFAULT_MAX_MB), env_int("SHEET_READ_TIMEOUT", DEFAULT_TIMEOUT)


def read_sheets_isolated(data: bytes, name: str, *, max_mb: int | None = None,
                         timeout: float | None = None, **limits) -> list:
    """read_sheets(data, name, **limits) in a child process; a LoaderError in Chinese also when
    the child runs out of memory, is killed, or takes longer than `timeout` seconds."""
    env_mb, env_timeout = _limits()
    max_mb = max_mb or env_mb
    timeout = timeout or env_timeout
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    payload = pickle.dumps((bytes(data), name, limits), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        proc = subprocess.run([sys.executable, "-m", "loaders.sheets.isolated", str(max_mb),
                               str(int(timeout) + 1)], input=payload, capture_output=True,
                              timeout=timeout, env=env, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        raise LoaderError(f"读取表格超过 {timeout:.0f} 秒仍未完成，已停止。表格可能过大或结构异常，"
                          "请删去不需要的工作表、行和列，或拆成几个文件后再上传。", path=name) from None
    if proc.returncode == 0 and proc.stdout:
        status, value = pickle.loads(proc.stdout)
        if status == "ok":
            return value
        message, path = value
        raise LoaderError(message, path=path)
    raise LoaderError(
        f"读取表格时超出了内存上限（{max_mb:,} MB）或读取程序异常退出，这个文件没有导入，看板不受影响。"
        "常见原因是工作表在很远的单元格（如 XFD1048576）里有内容或格式：请在 Excel/WPS 中按 "
        "Ctrl+End 查看，删除表格之外的多余行和列，保存后再上传；或把表格拆成几个文件。", path=name)


def _child(max_mb: int, cpu_seconds: int) -> int:
    import resource

    limit = max_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    data, name, limits = pickle.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    try:
        from .reading import read_sheets
        result = ("ok", read_sheets(data, name, **limits))
    except LoaderError as err:
        message = str(err)
        if err.path and message.startswith(f"{err.path}："):
            message = message[len(err.path) + 1:]
        result = ("error", (message, err.path))
    except MemoryError:
        return 3
    out.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), int(sys.argv[2])))
