// Test helper: the reference @openzeppelin/merkle-tree, driven by JSON on stdin.
//   {"cmd": "build", "encoding": [...], "values": [[...], ...]} -> {"root", "dump", "proofs"}
//   {"cmd": "load", "dump": {...}} -> {"root", "proofs", "dump"} (load() validates every node and leaf)
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
  const proofs = [];
  for (const [i] of tree.entries()) proofs.push(tree.getProof(i));
  process.stdout.write(JSON.stringify({ root: tree.root, dump: tree.dump(), proofs }));
});
