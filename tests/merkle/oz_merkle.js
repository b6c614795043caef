// Test helper: the reference @openzeppelin/merkle-tree, driven by JSON on stdin.
//   {"cmd": "build", "encoding": [...], "values": [[...], ...]} -> {"root", "dump", "proofs"}
//   {"cmd": "load", "dump": {...}} -> {"root", "proofs", "dump"} (load() validates every node and leaf)
//   {"cmd": "multiproof", "dump": {...}, "indices": [...], "check": {"leaves", "proof", "proofFlags"}}
//     -> {"multiproof": getMultiProof(indices), "verified": verifyMultiProof(check)}
"use strict";
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const tree =
    request.cmd === "build"
      ? StandardMerkleTree.of(request.values, request.encoding)
      : StandardMerkleTree.load(request.dump);
  if (request.cmd === "multiproof") {
    const multiproof = tree.getMultiProof(request.indices);
    const verified = request.check ? tree.verifyMultiProof(request.check) : null;
    process.stdout.write(JSON.stringify({ root: tree.root, multiproof, verified }));
    return;
  }
  const proofs = [];
  for (const [i] of tree.entries()) proofs.push(tree.getProof(i));
  process.stdout.write(JSON.stringify({ root: tree.root, dump: tree.dump(), proofs }));
});
