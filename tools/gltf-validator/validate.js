// Validates one glTF/GLB file with the Khronos glTF validator and prints its JSON report.
// Usage: node validate.js FILE.glb
"use strict";
const fs = require("fs");
const validator = require("gltf-validator");

const path = process.argv[2];
const bytes = new Uint8Array(fs.readFileSync(path));
validator
  .validateBytes(bytes, { maxIssues: 100 })
  .then((report) => process.stdout.write(JSON.stringify(report)))
  .catch((error) => {
    process.stderr.write(String(error) + "\n");
    process.exit(2);
  });
