"""Every user-visible string is in the message catalog (issue 13 item 4).

A Vietnamese literal (a string with Vietnamese letters) outside the catalog fails this test, except:
docstrings; the demo data (bot/demo_data.py); the Vietnamese alphabet's order (bot/core/collation.py); the parser's
vocabulary (bot/core/parsing/); the emulators
(bot/emulator/: they play Telegram and Zalo, not the bot); and words users *type*, kept in names that say so
(``..._WORDS``, ``_W_...``, ``..._ALIASES``): vocabulary the bot reads, never text it writes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
ALLOWED_DIRS = ("bot/texts/", "bot/core/parsing/", "bot/emulator/", "storage/migrations/")
ALLOWED_FILES = ("bot/demo_data.py", "bot/core/collation.py")
VOCABULARY_NAME = re.compile(r"(?:_WORDS|^_?W_\w+|_ALIASES|_VOCABULARY)$", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _vocabulary(tree: ast.AST) -> set[int]:
    """Constants assigned to a vocabulary name (words users type)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = [t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
                 for t in targets for t in ([*t.elts] if isinstance(t, ast.Tuple) else [t])]
        if any(VOCABULARY_NAME.search(n) for n in names if n):
            out |= {id(c) for c in ast.walk(value) if isinstance(c, ast.Constant)}
    return out


def vietnamese_literals() -> list[str]:
    found = []
    for base in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(ALLOWED_DIRS) or rel in ALLOWED_FILES:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = _docstrings(tree) | _vocabulary(tree)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
                        and VIETNAMESE.search(node.value)):
                    found.append(f"{rel}:{node.lineno}: {node.value[:60]!r}")
    return found


def test_no_vietnamese_literal_outside_the_catalog() -> None:
    found = vietnamese_literals()
    assert not found, "user-visible text belongs in bot/texts (vi + en):\n" + "\n".join(found)


def test_the_scanner_finds_a_literal(tmp_path: Path) -> None:
    """The check itself works: a literal in a function is found, a docstring and a vocabulary set are not."""
    src = 'def f():\n    """Tài liệu."""\n    return "Đã lưu"\nYES_WORDS = {"có", "đồng ý"}\n'
    tree = ast.parse(src)
    skip = _docstrings(tree) | _vocabulary(tree)
    hits = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in skip and VIETNAMESE.search(n.value)]
    assert hits == ["Đã lưu"]
