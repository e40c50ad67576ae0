// Writes DIR/test_batch.bin in CIFAR-10's binary format: `count` random 32x32 images with labels
// 0..9, so that ./twinview embed (cifar10:DIR?split=test) and compare.mjs read the same images.
//   node make-cifar.mjs DIR [count=64] [seed=1]
import fs from 'node:fs';
import path from 'node:path';

const [dir, countText = '64', seedText = '1'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node make-cifar.mjs DIR [count] [seed]');
  process.exit(2);
}
let state = Number(seedText) >>> 0 || 1;
const next = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) & 0xff;
};
const count = Number(countText);
const bytes = Buffer.alloc(count * 3073);
for (let i = 0; i < count; i++) {
  bytes[i * 3073] = i % 10;
  for (let p = 1; p < 3073; p++) bytes[i * 3073 + p] = next();
}
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'test_batch.bin'), bytes);
console.log(`${count} images -> ${path.join(dir, 'test_batch.bin')}`);
