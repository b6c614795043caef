// Benchmark helper: time @openzeppelin/merkle-tree building a tree and every proof.
// Usage: node oz_merkle_speed.js VALUES.json  -> prints {"build_s", "proofs_s", "dump_s", "cpu", "peak_mib", "root"}
"use strict";
const fs = require("fs");
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const values = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let t = process.hrtime.bigint();
let c = cpu();
const tree = StandardMerkleTree.of(values, ["address", "uint256", "uint16"]);
const build = Number(process.hrtime.bigint() - t) / 1e9;
const buildCpu = cpu() - c;
t = process.hrtime.bigint();
c = cpu();
let n = 0;
for (const [i] of tree.entries()) n += tree.getProof(i).length;
const proofs = Number(process.hrtime.bigint() - t) / 1e9;
const proofsCpu = cpu() - c;
t = process.hrtime.bigint();
c = cpu();
const dumped = JSON.stringify(tree.dump());
const dump = Number(process.hrtime.bigint() - t) / 1e9;
const dumpCpu = cpu() - c;
const peak = process.resourceUsage().maxRSS / 1024; // KiB -> MiB
process.stdout.write(
  JSON.stringify({ build_s: build, proofs_s: proofs, dump_s: dump, cpu: [buildCpu, proofsCpu, dumpCpu], peak_mib: peak, root: tree.root, bytes: dumped.length, nodes: n })
);
