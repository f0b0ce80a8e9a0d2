/**
 * Trains the reference MLP once per activation and writes what the variant server ships: the data
 * set (models/dataset.csv), one weights file per activation (models/weights/<activation>.json) and the
 * held-out accuracy table (models/weights/README.md, and docs/variant-server.md between its accuracy
 * markers). Everything follows from the seeds, so a rerun reproduces the files byte for byte; `--check`
 * retrains and fails if anything on disk differs.
 *
 * usage: node scripts/train-variants.ts [--seed 1] [--only relu,gelu] [--check]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIVATION_NAMES, isActivationName, type ActivationName } from '../src/telemetry/activations.ts';
import { DEFAULT_DATASET, datasetToCsv, generateDataset, parseDatasetCsv } from '../src/variant-server/dataset.ts';
import { accuracy } from '../src/variant-server/mlp.ts';
import { createRandom } from '../src/variant-server/random.ts';
import { DEFAULT_TRAINING, initModel, train } from '../src/variant-server/train.ts';
import { DEFAULT_MODEL_DIR, formatWeights, parseWeights, roundModel, weightsPath } from '../src/variant-server/weights.ts';

const HIDDEN = [32, 32, 32];
const DOCS = new URL('../docs/variant-server.md', import.meta.url);
const MARK_START = '<!-- accuracy-table:start (written by scripts/train-variants.ts) -->';
const MARK_END = '<!-- accuracy-table:end -->';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, only: { type: 'string' }, check: { type: 'boolean', default: false } },
});
const seed = Number(values.seed);
const only = values.only ? values.only.split(',') : [...ACTIVATION_NAMES];
const unknown = only.filter((name) => !isActivationName(name));
if (!Number.isInteger(seed) || unknown.length > 0) {
  console.error(`usage: train-variants [--seed N] [--only ${ACTIVATION_NAMES.join(',')}] [--check]`);
  process.exit(2);
}

const mismatches: string[] = [];
/** Writes a file, or under --check, notes it when the content on disk differs. */
function emit(path: string, content: string): void {
  if (values.check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) mismatches.push(path);
    return;
  }
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

const csv = datasetToCsv(generateDataset(DEFAULT_DATASET));
emit(join(DEFAULT_MODEL_DIR, 'dataset.csv'), csv);
const data = parseDatasetCsv(csv);
console.log(`data set: ${data.train.labels.length} train + ${data.heldOut.labels.length} held-out rows, ` +
  `${data.features} features, ${data.classes} classes (seed ${DEFAULT_DATASET.seed})`);

const results = new Map<ActivationName, { accuracy: number; seconds: number; loss: number }>();
for (const activation of only as ActivationName[]) {
  const started = performance.now();
  const random = createRandom(seed);
  const model = initModel(activation, data.features, HIDDEN, data.classes, random);
  const losses = train(model, data.train, DEFAULT_TRAINING, random);
  roundModel(model);
  const heldOutAccuracy = accuracy(model, data.heldOut.inputs, data.heldOut.labels);
  const training = { seed, datasetSeed: DEFAULT_DATASET.seed, hidden: HIDDEN, ...DEFAULT_TRAINING };
  const text = formatWeights(model, { heldOutAccuracy, training });
  parseWeights(JSON.parse(text)); // what we write must load
  emit(weightsPath(DEFAULT_MODEL_DIR, activation), text);
  const seconds = (performance.now() - started) / 1000;
  const loss = losses.at(-1) ?? Number.NaN;
  results.set(activation, { accuracy: heldOutAccuracy, seconds, loss });
  console.log(`${activation.padEnd(10)} held-out accuracy ${heldOutAccuracy.toFixed(3)}  final loss ${loss.toFixed(4)}  ${seconds.toFixed(1)}s`);
}

if (only.length === ACTIVATION_NAMES.length) {
  const table = accuracyTable();
  emit(join(DEFAULT_MODEL_DIR, 'weights', 'README.md'), weightsReadme(table));
  const docs = existsSync(DOCS) ? readFileSync(DOCS, 'utf8') : '';
  const start = docs.indexOf(MARK_START);
  const end = docs.indexOf(MARK_END);
  if (start >= 0 && end > start) emit(DOCS.pathname, `${docs.slice(0, start + MARK_START.length)}\n${table}${docs.slice(end)}`);
}

if (values.check) {
  if (mismatches.length > 0) {
    console.error(`not reproduced (differs from the files on disk):\n  ${mismatches.join('\n  ')}`);
    process.exit(1);
  }
  console.log('reproduced: every file matches what is on disk');
}

function accuracyTable(): string {
  const rows = ACTIVATION_NAMES.map((name) => {
    const r = results.get(name);
    return r ? `| ${name} | ${r.accuracy.toFixed(3)} | ${r.loss.toFixed(4)} |` : `| ${name} | – | – |`;
  });
  return ['| activation | held-out accuracy | final training loss |', '| --- | --- | --- |', ...rows, ''].join('\n');
}

function weightsReadme(table: string): string {
  return `# Reference model weights

One file per activation, written by \`node scripts/train-variants.ts\` (do not edit by hand). Each is the
same multilayer perceptron — ${data.features} inputs, hidden layers of ${HIDDEN.join(', ')} units, ${data.classes} classes,
softmax — trained on the train split of \`../dataset.csv\` with seed ${seed}: Adam, ${DEFAULT_TRAINING.epochs} epochs,
batches of ${DEFAULT_TRAINING.batchSize}, learning rate ${DEFAULT_TRAINING.learningRate} with cosine decay, weight decay ${DEFAULT_TRAINING.weightDecay}.
Weights are kept to six significant digits, and the accuracy below was measured on exactly those
rounded weights over the ${data.heldOut.labels.length} held-out rows. \`node scripts/train-variants.ts --check\` retrains
and verifies that every file here is reproduced byte for byte.

${table}`;
}
