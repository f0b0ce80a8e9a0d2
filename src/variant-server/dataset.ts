/**
 * The data set the reference models learn: a seeded synthetic multi-class problem with curved class
 * boundaries. Points lie on interleaved spiral arms in the plane (one arm per class, with noise), and
 * the plane is lifted to a dozen noisy features by a fixed random projection, so the network must find
 * the two informative directions and then bend its boundaries along the arms. Generated from a seed,
 * shipped as models/dataset.csv with a train / held-out column, and parsed back from that file.
 */
import { readFileSync } from 'node:fs';
import { createRandom } from './random.ts';

export interface DatasetOptions {
  seed: number;
  rows: number;
  classes: number;
  features: number;
  /** Fraction of rows kept out of training, for accuracy measurement and the load generator. */
  heldOutFraction: number;
}

export const DEFAULT_DATASET: DatasetOptions = { seed: 1, rows: 4000, classes: 4, features: 12, heldOutFraction: 0.25 };

export interface Split {
  inputs: number[][];
  labels: number[];
}

export interface Dataset {
  features: number;
  classes: number;
  train: Split;
  heldOut: Split;
}

const DECIMALS = 4;
const ARM_TURNS = 1;
const PLANE_NOISE = 0.04;
const FEATURE_NOISE = 0.15;

/** Generates the data set; the same options give the same rows, in the same order. */
export function generateDataset(options: DatasetOptions = DEFAULT_DATASET): Dataset {
  const random = createRandom(options.seed);
  const projection = Array.from({ length: options.features }, () => [random.gaussian(), random.gaussian()]);
  const rows: { input: number[]; label: number }[] = [];
  for (let i = 0; i < options.rows; i++) {
    const label = i % options.classes;
    const t = Math.sqrt(random.next());
    const radius = 0.1 + 0.9 * t;
    const angle = (2 * Math.PI * label) / options.classes + 2 * Math.PI * ARM_TURNS * t;
    const x = radius * Math.cos(angle) + PLANE_NOISE * random.gaussian();
    const y = radius * Math.sin(angle) + PLANE_NOISE * random.gaussian();
    const input = projection.map(([px, py]) => round(2 * (px! * x + py! * y) + FEATURE_NOISE * random.gaussian()));
    rows.push({ input, label });
  }
  random.shuffle(rows);
  const heldOutCount = Math.round(options.rows * options.heldOutFraction);
  const toSplit = (part: typeof rows): Split => ({ inputs: part.map((r) => r.input), labels: part.map((r) => r.label) });
  return {
    features: options.features,
    classes: options.classes,
    train: toSplit(rows.slice(heldOutCount)),
    heldOut: toSplit(rows.slice(0, heldOutCount)),
  };
}

function round(value: number): number {
  const factor = 10 ** DECIMALS;
  return Math.round(value * factor) / factor;
}

/** Serializes to CSV: a header `split,label,f0,…`, then one row per example, held-out rows first. */
export function datasetToCsv(dataset: Dataset): string {
  const header = ['split', 'label', ...Array.from({ length: dataset.features }, (_, i) => `f${i}`)].join(',');
  const lines = [header];
  const add = (name: string, split: Split) =>
    split.inputs.forEach((input, i) => lines.push([name, split.labels[i], ...input].join(',')));
  add('heldout', dataset.heldOut);
  add('train', dataset.train);
  return `${lines.join('\n')}\n`;
}

/** Parses the CSV written by datasetToCsv; throws with the line number on anything malformed. */
export function parseDatasetCsv(text: string): Dataset {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const header = (lines[0] ?? '').split(',');
  const features = header.length - 2;
  if (header[0] !== 'split' || header[1] !== 'label' || features < 1) throw new Error('dataset: bad CSV header');
  const train: Split = { inputs: [], labels: [] };
  const heldOut: Split = { inputs: [], labels: [] };
  let classes = 0;
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] as string).split(',');
    const label = Number(cells[1]);
    const input = cells.slice(2).map(Number);
    if (cells.length !== features + 2 || !Number.isInteger(label) || label < 0 || input.some((v) => !Number.isFinite(v))) {
      throw new Error(`dataset: malformed line ${i + 1}`);
    }
    const split = cells[0] === 'train' ? train : cells[0] === 'heldout' ? heldOut : undefined;
    if (!split) throw new Error(`dataset: unknown split ${JSON.stringify(cells[0])} on line ${i + 1}`);
    split.inputs.push(input);
    split.labels.push(label);
    classes = Math.max(classes, label + 1);
  }
  return { features, classes, train, heldOut };
}

/** Reads and parses a data set file. */
export function loadDataset(path: string): Dataset {
  return parseDatasetCsv(readFileSync(path, 'utf8'));
}
