// A foreign client of twinview's EmbedService: loads the .proto files, embeds the first images of a
// CIFAR-10-format folder with Embed (raw CHW pixels, as CIFAR stores them), and compares them with
// the rows of a safetensors file written by `./twinview embed` for the same folder.
//
//   node compare.mjs --run-id RUN --cifar DIR --embeddings FILE.safetensors [--step N|best]
//                    [--count 16] [--eval 127.0.0.1:9102] [--token-file FILE] [--ca CERT.pem]
//                    [--tolerance 1e-5]
// ./twinview up serves TLS: pass --ca .twinview/up/grpc/server.crt --token-file .twinview/up/token
//
// Prints a summary line, then `max_abs_diff=X` (the largest absolute difference, for scripts and tests).
// Exit 0 when every value agrees within the tolerance, 1 otherwise, 2 when the call fails.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoRoot = path.resolve(here, '../../proto/src/main/proto');

function args(argv) {
  const out = { step: '0', count: 16, eval: '127.0.0.1:9102', tolerance: 1e-5 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
    out[key] = argv[i + 1];
  }
  for (const required of ['runId', 'cifar', 'embeddings']) {
    if (!out[required]) {
      throw new Error(`--${required.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is required`);
    }
  }
  out.count = Number(out.count);
  out.tolerance = Number(out.tolerance);
  return out;
}

/** The tensors of a safetensors file: {name: {dtype, shape, data: TypedArray}}. */
export function readSafetensors(file) {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const base = 8 + headerLength;
  const tensors = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [from, to] = t.data_offsets;
    const slice = bytes.buffer.slice(bytes.byteOffset + base + from, bytes.byteOffset + base + to);
    const data = t.dtype === 'F32' ? new Float32Array(slice) : t.dtype === 'I64' ? new BigInt64Array(slice) : null;
    tensors[name] = { dtype: t.dtype, shape: t.shape, data };
  }
  return tensors;
}

/** The first `count` images of DIR/test_batch.bin: 1 label byte, then 3072 bytes of R, G, B planes (CHW). */
function cifarImages(dir, count) {
  const bytes = fs.readFileSync(path.join(dir, 'test_batch.bin'));
  const images = [];
  for (let i = 0; i < count && (i + 1) * 3073 <= bytes.length; i++) {
    images.push(bytes.subarray(i * 3073 + 1, (i + 1) * 3073));
  }
  return images;
}

function client(address, tokenFile, ca) {
  const definition = protoLoader.loadSync('twinview/v1/embed_service.proto', {
    includeDirs: [protoRoot],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
  });
  const proto = grpc.loadPackageDefinition(definition);
  const credentials = ca ? grpc.credentials.createSsl(fs.readFileSync(ca)) : grpc.credentials.createInsecure();
  const metadata = new grpc.Metadata();
  if (tokenFile) {
    metadata.set('authorization', 'Bearer ' + fs.readFileSync(tokenFile, 'utf8').trim());
  }
  return { stub: new proto.twinview.v1.EmbedService(address, credentials), metadata };
}

async function main() {
  const a = args(process.argv.slice(2));
  const expected = readSafetensors(a.embeddings).embeddings;
  const [n, d] = expected.shape;
  const images = cifarImages(a.cifar, Math.min(a.count, n));
  const { stub, metadata } = client(a.eval, a.tokenFile, a.ca);
  const request = {
    runId: a.runId,
    step: a.step === 'best' ? '0' : a.step,
    best: a.step === 'best',
    images: images.map((data) => ({ raw: { data, height: 32, width: 32, channels: 3, layout: 'PIXEL_LAYOUT_CHW' } })),
  };
  const response = await new Promise((resolve, reject) =>
    stub.Embed(request, metadata, { deadline: Date.now() + 120_000 }, (err, res) => (err ? reject(err) : resolve(res))),
  );
  if (response.dim !== d) {
    throw new Error(`the service embeds to ${response.dim} floats, the file holds ${d}`);
  }
  let worst = 0;
  let where = '';
  response.embeddings.forEach((embedding, i) => {
    embedding.values.forEach((value, j) => {
      const diff = Math.abs(value - expected.data[i * d + j]);
      if (!(diff <= worst)) {
        worst = Number.isNaN(diff) ? Infinity : diff; // a NaN on either side is a difference, not a match
        where = `image ${i}, value ${j}`;
      }
    });
  });
  const ok = worst <= a.tolerance && response.embeddings.length === images.length;
  console.log(
    `${response.embeddings.length} images embedded by run ${response.runId} step ${response.step} (${response.encoder},` +
      ` ${d} floats) over gRPC from Node.js; largest difference from ${path.basename(a.embeddings)}: ` +
      `${worst.toExponential(2)}${where ? ' at ' + where : ''} (tolerance ${a.tolerance}): ${ok ? 'SAME' : 'DIFFERENT'}`,
  );
  console.log(`max_abs_diff=${worst}`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error('compare: ' + (e.details || e.message));
  process.exit(2);
});
