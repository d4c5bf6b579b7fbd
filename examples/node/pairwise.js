// W2 distances between images with a kenn model in onnxruntime-node.
//
//   node pairwise.js NAME.onnx IMAGES-idx3-ubyte OUT.f32
//
// NAME.onnx (images → features) and NAME.pairwise.onnx (a, b → distances)
// come from `kenn export` or `kenn fit`. The images are an uncompressed IDX
// file of 8-bit grayscale images (MNIST's format). OUT.f32 receives the
// N×N distance matrix, row-major little-endian float32: W2 in pixels, or
// W2² in pixels² when the model's metadata kenn.target is w2sq (a dwe
// model) — the values `kenn pairwise` writes.
'use strict';
const fs = require('fs');
const path = require('path');
// onnxruntime-node: `npm install onnxruntime-node`, or kenn's `make node-ort`
// (then set KENN_ORT_NODE to .cache/node/node_modules/onnxruntime-node).
const ort = require(process.env.KENN_ORT_NODE || 'onnxruntime-node');

// readIDX reads N images of H×W pixels (0..255, kept as they are: the
// model normalizes each image to unit mass inside its graph).
function readIDX(file) {
  const b = fs.readFileSync(file);
  if (b.readUInt32BE(0) !== 0x803) throw new Error(`${file}: not an IDX file of images`);
  const [n, h, w] = [b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)];
  return { n, h, w, pix: Float32Array.from(b.subarray(16, 16 + n * h * w)) };
}

async function main() {
  const [modelPath, imagesPath, outPath] = process.argv.slice(2);
  if (!outPath) throw new Error('usage: node pairwise.js NAME.onnx IMAGES-idx3-ubyte OUT.f32');
  const embed = await ort.InferenceSession.create(modelPath);
  const pairwise = await ort.InferenceSession.create(modelPath.replace(/\.onnx$/, '.pairwise.onnx'));
  const imgs = readIDX(imagesPath);
  // images [N, 1, H, W] float32 → features [N, F]
  const { features } = await embed.run({ images: new ort.Tensor('float32', imgs.pix, [imgs.n, 1, imgs.h, imgs.w]) });
  const F = features.dims[1];
  // a [N, F], b [M, F] → distances [N, M]; an image's distance to itself is exactly 0
  const { distances } = await pairwise.run({
    a: new ort.Tensor('float32', features.data, [imgs.n, F]),
    b: new ort.Tensor('float32', features.data, [imgs.n, F]),
  });
  fs.writeFileSync(outPath, Buffer.from(distances.data.buffer, distances.data.byteOffset, distances.data.byteLength));
  console.log(`${path.basename(outPath)}: ${imgs.n}×${imgs.n} distances, ${F} features per image`);
}
main().catch((e) => { console.error(e.message || e); process.exit(1); });
