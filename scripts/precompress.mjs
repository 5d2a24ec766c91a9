// Writes .br and .gz beside every compressible asset under the given
// directory, so the server (and S3 + CloudFront) can send compressed bytes
// without compressing per request. Run after each build; skips files whose
// compressed copies are already newer.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const COMPRESSIBLE = /\.(js|wasm|css|svg|html|json|txt)$/;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (COMPRESSIBLE.test(entry.name)) yield path;
  }
}

function fresh(source, target) {
  try {
    return statSync(target).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

const root = process.argv[2];
if (!root) {
  console.error("usage: node scripts/precompress.mjs <directory>");
  process.exit(2);
}
let written = 0;
for (const file of files(root)) {
  const bytes = readFileSync(file);
  if (!fresh(file, `${file}.br`)) {
    writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    written++;
  }
  if (!fresh(file, `${file}.gz`)) {
    writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
    written++;
  }
}
console.log(`precompress: ${written} files written under ${root}`);
