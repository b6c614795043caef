"""Run Slither, the analyser auditors use, on the project's contracts with no solc download.

Slither cannot fetch a native solc here, and its CLI finds no contract in an Ape project. It does
analyse a hardhat-style build-info file (``build-info/NAME.json`` holding ``solcVersion`` and the
standard-JSON ``input`` and ``output`` with every source's AST), so we compile once through our
solc launcher (native solc or the solc-js adapter) and hand that file to crytic-compile.

``python -m twei.toolchain.slither`` prints every finding and exits non-zero on any of high or
medium impact.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from twei.errors import ToolchainError
from twei.toolchain.solc import SOLC_VERSION, ensure_solc
from twei.toolchain.standard_json import PROJECT_ROOT, standard_json_input

BLOCKING_IMPACTS = frozenset({"High", "Medium"})


@dataclass(frozen=True)
class Finding:
    check: str
    impact: str
    confidence: str
    description: str

    def __str__(self) -> str:
        return f"[{self.impact}/{self.confidence}] {self.check}: {self.description.strip()}"


def compile_build_info(out_dir: Path, root: Path = PROJECT_ROOT) -> Path:
    """Compile the contracts and write ``out_dir/build-info/twei.json``; return ``out_dir``."""
    solc = ensure_solc()
    std_input = standard_json_input(
        root,
        outputs=["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers"],
        with_ast=True,
    )
    proc = subprocess.run(
        [str(solc), "--standard-json", "--base-path", str(root)],
        input=json.dumps(std_input),
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if proc.returncode != 0:
        raise ToolchainError(f"solc failed: {proc.stderr.strip()}")
    output = json.loads(proc.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ToolchainError("solc: " + errors[0]["formattedMessage"])
    info_dir = out_dir / "build-info"
    info_dir.mkdir(parents=True, exist_ok=True)
    (info_dir / "twei.json").write_text(
        json.dumps({"solcVersion": SOLC_VERSION, "input": std_input, "output": output})
    )
    return out_dir


def analyse(root: Path = PROJECT_ROOT) -> list[Finding]:
    """Every Slither finding on the project's own contracts (dependencies excluded)."""
    from crytic_compile import CryticCompile
    from slither import Slither
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    with tempfile.TemporaryDirectory() as tmp:
        artifacts = compile_build_info(Path(tmp), root)
        compilation = CryticCompile(
            str(root),
            compile_force_framework="hardhat",
            hardhat_ignore_compile=True,
            hardhat_artifacts_directory=str(artifacts),
        )
        slither = Slither(compilation)
        for detector in vars(all_detectors).values():
            if isinstance(detector, type) and issubclass(detector, AbstractDetector):
                slither.register_detector(detector)
        results = [item for batch in slither.run_detectors() for item in batch]
    return [
        Finding(r["check"], r["impact"], r["confidence"], r["description"])
        for r in results
        if not r.get("elements") or any(_is_ours(el) for el in r["elements"])
    ]


def _is_ours(element: dict) -> bool:
    """True unless the element lies in a dependency (OpenZeppelin, under node_modules)."""
    return "node_modules" not in (element.get("source_mapping") or {}).get("filename_absolute", "")


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.impact in BLOCKING_IMPACTS]


def main() -> None:
    findings = analyse()
    for finding in findings:
        print(finding)
    bad = blocking(findings)
    print(f"slither: {len(findings)} finding(s), {len(bad)} of high or medium impact")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
