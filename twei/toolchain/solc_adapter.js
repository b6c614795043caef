#!/usr/bin/env node
// A native-solc command line over solc-js (the npm `solc` WebAssembly build), just wide enough
// for py-solc-x and ape-solidity: `--version` and `--standard-json` (input on stdin, output JSON
// alone on stdout). solc-js's own `solcjs` CLI rejects `--allow-paths` and prints a banner
// before the JSON, so py-solc-x cannot drive it directly.
"use strict";
const fs = require("fs");
const path = require("path");

function parseArgs(argv) {
  const opts = { basePath: process.cwd(), includePaths: [], allowPaths: [], standardJson: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case "--version": opts.version = true; break;
      case "--standard-json": opts.standardJson = true; break;
      case "--base-path": opts.basePath = value(); break;
      case "--include-path": opts.includePaths.push(value()); break;
      case "--allow-paths": opts.allowPaths.push(...value().split(",")); break;
      default:
        if (flag.startsWith("--")) {
          // Flags such as --optimize belong in the standard-JSON settings; refuse rather than ignore.
          process.stderr.write(`solc adapter: unsupported option ${flag} (use --standard-json)\n`);
          process.exit(2);
        }
    }
  }
  return opts;
}

function importCallback(opts) {
  const roots = [opts.basePath, ...opts.includePaths, ...opts.allowPaths, process.cwd()];
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.resolve(r, importPath));
    for (const file of candidates) {
      if (fs.existsSync(file) && fs.statSync(file).isFile()) {
        return { contents: fs.readFileSync(file, "utf8") };
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const solc = require("solc");
  if (opts.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!opts.standardJson) {
    process.stderr.write("solc adapter: only --version and --standard-json are supported\n");
    process.exit(2);
  }
  const input = fs.readFileSync(0, "utf8");
  process.stdout.write(solc.compile(input, { import: importCallback(opts) }));
}

main();
