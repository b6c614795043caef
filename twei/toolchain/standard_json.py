"""The solc standard-JSON input of the project's contracts, with the settings Ape compiles with.

One input serves three readers: Slither (all contracts, with ASTs), block-explorer verification
(one contract and the sources it imports, every file's text inlined) and the tests that prove the
input rebuilds the bytecode Ape deploys. Settings come from ``ape-config.yaml`` so they cannot
drift from what was deployed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

__all__ = ["PROJECT_ROOT", "compiler_settings", "source_closure", "standard_json_input"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OZ_PREFIX = "@openzeppelin/contracts/"
_IMPORT = re.compile(r'^\s*import\s+(?:[^"\']*\s+from\s+)?["\']([^"\']+)["\']', re.MULTILINE)
DEFAULT_OUTPUT = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]


def compiler_settings(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """evmVersion, optimizer and viaIR exactly as ``ape-config.yaml`` sets them for ape-solidity."""
    config = yaml.safe_load((root / "ape-config.yaml").read_text()) if (root / "ape-config.yaml").exists() else {}
    solidity = (config or {}).get("solidity", {})
    settings: dict[str, Any] = {
        "evmVersion": solidity.get("evm_version", "shanghai"),
        "optimizer": {
            "enabled": bool(solidity.get("optimizer", True)),
            "runs": int(solidity.get("optimization_runs", 200)),
        },
        "remappings": [f"{OZ_PREFIX}=node_modules/{OZ_PREFIX}"],
    }
    if solidity.get("via_ir"):
        settings["viaIR"] = True
    return settings


def _resolve(importer: str, target: str) -> str:
    """A source unit name for ``target`` imported from ``importer``, as solc would form it."""
    if target.startswith(OZ_PREFIX):
        return "node_modules/" + target
    if target.startswith("."):
        parts: list[str] = importer.split("/")[:-1]
        for piece in target.split("/"):
            if piece == "..":
                parts.pop()
            elif piece != ".":
                parts.append(piece)
        return "/".join(parts)
    return target


def source_closure(root: Path, entries: list[str]) -> dict[str, str]:
    """Every source the entry files need (theirs and their imports'), name -> text."""
    sources: dict[str, str] = {}
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name in sources:
            continue
        text = (root / name).read_text()
        sources[name] = text
        todo.extend(_resolve(name, target) for target in _IMPORT.findall(text))
    return dict(sorted(sources.items()))


def standard_json_input(
    root: Path = PROJECT_ROOT,
    entries: list[str] | None = None,
    outputs: list[str] | None = None,
    with_ast: bool = False,
) -> dict[str, Any]:
    """The input for ``entries`` (default: every contract under ``contracts/``), sources inlined."""
    if entries is None:
        entries = [
            str(p.relative_to(root))
            for p in sorted((root / "contracts").rglob("*.sol"))
            if ".cache" not in p.parts
        ]
    selection: dict[str, Any] = {"*": outputs or DEFAULT_OUTPUT}
    if with_ast:
        selection[""] = ["ast"]
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in source_closure(root, entries).items()},
        "settings": {**compiler_settings(root), "outputSelection": {"*": selection}},
    }
