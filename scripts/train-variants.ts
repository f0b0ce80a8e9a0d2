/**
 * Trains the reference MLP once per activation and writes what the variant server ships: the data
 * set (models/dataset.csv), one weights file per activation (models/weights/<activation>.json) and the
 * table of held-out accuracy and activation telemetry per variant (models/weights/README.md, and
 * docs/variant-server.md and docs/metrics.md between their variant-table markers). Everything follows from the seeds, so a rerun reproduces the files byte for byte; `--check`
 * retrains and fails if anything on disk differs.
 *
 * usage: node scripts/train-variants.ts [--seed 1] [--only relu,gelu] [--check]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIVATION_NAMES, SATURATION_REGIONS, isActivationName, type ActivationName } from '../src/telemetry/activations.ts';
import { tallyLayer } from '../src/telemetry/layer-stats.ts';
import { DEFAULT_DATASET, datasetToCsv, generateDataset, parseDatasetCsv } from '../src/variant-server/dataset.ts';
import { accuracy, predict, toMatrix, type Mlp } from '../src/variant-server/mlp.ts';
import { createRandom } from '../src/variant-server/random.ts';
import { DEFAULT_TRAINING, initModel, train } from '../src/variant-server/train.ts';
import { DEFAULT_MODEL_DIR, formatWeights, parseWeights, roundModel, weightsPath } from '../src/variant-server/weights.ts';

const HIDDEN = [32, 32, 32];
const DOCS = ['../docs/variant-server.md', '../docs/metrics.md'].map((path) => new URL(path, import.meta.url).pathname);
const MARK_START = '<!-- variant-table:start (written by scripts/train-variants.ts) -->';
const MARK_END = '<!-- variant-table:end -->';
/** The input scale of the degraded columns, as FAULT_INPUT_SCALE would apply it. */
const DEGRADED_SCALE = 5;

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

interface Baseline { accuracy: number; saturation: number; zero: number }
const results = new Map<ActivationName, { accuracy: number; seconds: number; loss: number; healthy: Baseline; degraded: Baseline }>();

/** Accuracy and activation telemetry over every held-out row, with inputs scaled as FAULT_INPUT_SCALE does. */
function baseline(model: Mlp, scale: number): Baseline {
  const inputs = toMatrix(data.heldOut.inputs, model.inputSize).map((v) => v * scale);
  let units = 0;
  let saturated = 0;
  let zero = 0;
  const { classes } = predict(model, inputs, data.heldOut.labels.length, (_layer, pre, post) => {
    const tally = tallyLayer(pre, post, SATURATION_REGIONS[model.activation]);
    units += tally.units;
    saturated += tally.saturated;
    zero += tally.zero;
  });
  const correct = classes.filter((c, i) => c === data.heldOut.labels[i]).length;
  return { accuracy: correct / classes.length, saturation: saturated / units, zero: zero / units };
}
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
  results.set(activation, { accuracy: heldOutAccuracy, seconds, loss, healthy: baseline(model, 1), degraded: baseline(model, DEGRADED_SCALE) });
  console.log(`${activation.padEnd(10)} held-out accuracy ${heldOutAccuracy.toFixed(3)}  final loss ${loss.toFixed(4)}  ${seconds.toFixed(1)}s`);
}

if (only.length === ACTIVATION_NAMES.length) {
  const table = accuracyTable();
  emit(join(DEFAULT_MODEL_DIR, 'weights', 'README.md'), weightsReadme(table));
  for (const path of DOCS) {
    const docs = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const start = docs.indexOf(MARK_START);
    const end = docs.indexOf(MARK_END);
    if (start >= 0 && end > start) emit(path, `${docs.slice(0, start + MARK_START.length)}\n${table}${docs.slice(end)}`);
  }
}

if (values.check) {
  if (mismatches.length > 0) {
    console.error(`not reproduced (differs from the files on disk):\n  ${mismatches.join('\n  ')}`);
    process.exit(1);
  }
  console.log('reproduced: every file matches what is on disk');
}

function accuracyTable(): string {
  const f = (x: number) => x.toFixed(3);
  const rows = ACTIVATION_NAMES.map((name) => {
    const r = results.get(name);
    return r
      ? `| ${name} | ${f(r.accuracy)} | ${r.loss.toFixed(4)} | ${f(r.healthy.saturation)} | ${f(r.healthy.zero)} | ${f(r.degraded.accuracy)} | ${f(r.degraded.saturation)} |`
      : `| ${name} | – | – | – | – | – | – |`;
  });
  return [
    `| activation | held-out accuracy | final training loss | saturation | dead (zero) | accuracy ×${DEGRADED_SCALE} | saturation ×${DEGRADED_SCALE} |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows, '',
  ].join('\n');
}

function weightsReadme(table: string): string {
  return `# Reference model weights

One file per activation, written by \`node scripts/train-variants.ts\` (do not edit by hand). Each is the
same multilayer perceptron — ${data.features} inputs, hidden layers of ${HIDDEN.join(', ')} units, ${data.classes} classes,
softmax — trained on the train split of \`../dataset.csv\` with seed ${seed}: Adam, ${DEFAULT_TRAINING.epochs} epochs,
batches of ${DEFAULT_TRAINING.batchSize}, learning rate ${DEFAULT_TRAINING.learningRate} with cosine decay, weight decay ${DEFAULT_TRAINING.weightDecay}.
Weights are kept to six significant digits, and the accuracy below was measured on exactly those
rounded weights over the ${data.heldOut.labels.length} held-out rows. Saturation and dead (zero) are the fractions of
hidden units, over all held-out rows, in the saturation region and at exactly 0 (docs/metrics.md defines
both); the ×${DEGRADED_SCALE} columns repeat the measurement with inputs multiplied by ${DEGRADED_SCALE}, as
\`FAULT_INPUT_SCALE=${DEGRADED_SCALE}\` does. \`node scripts/train-variants.ts --check\` retrains and verifies that every
file here is reproduced byte for byte.

${table}`;
}
