/**
 * Validation of a predict request body, `{"inputs": [[…], …], "labels": [k | null, …]}`, into a
 * row-major matrix and optional labels. Every problem comes back as one message that says where
 * (`inputs[3][7] is not a finite number`) so a client can fix it; nothing here throws.
 */

export interface PredictRequest {
  rows: number;
  /** rows × inputSize, row-major. */
  inputs: Float64Array;
  /** One entry per row when labels were sent: the class, or null for an unlabelled row. */
  labels?: (number | null)[];
}

export interface RequestLimits {
  inputSize: number;
  classes: number;
  maxBatch: number;
}

export type ParseResult = { ok: true; request: PredictRequest } | { ok: false; message: string };

const fail = (message: string): ParseResult => ({ ok: false, message });

/** Checks shape, types, batch size and label range. */
export function parsePredictRequest(body: unknown, limits: RequestLimits): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('body must be a JSON object with "inputs"');
  const { inputs, labels } = body as { inputs?: unknown; labels?: unknown };
  if (!Array.isArray(inputs)) return fail('"inputs" must be an array of rows (arrays of numbers)');
  const rows = inputs.length;
  if (rows === 0) return fail('"inputs" is empty; send at least one row');
  if (rows > limits.maxBatch) return fail(`batch of ${rows} rows exceeds the maximum of ${limits.maxBatch}`);
  const width = limits.inputSize;
  const matrix = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const row: unknown = inputs[r];
    if (!Array.isArray(row)) return fail(`inputs[${r}] must be an array of ${width} numbers`);
    if (row.length !== width) return fail(`inputs[${r}] has ${row.length} values, expected ${width}`);
    for (let i = 0; i < width; i++) {
      const v: unknown = row[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`inputs[${r}][${i}] is not a finite number`);
      matrix[r * width + i] = v;
    }
  }
  if (labels === undefined || labels === null) return { ok: true, request: { rows, inputs: matrix } };
  if (!Array.isArray(labels)) return fail('"labels" must be an array with one class per row');
  if (labels.length !== rows) return fail(`"labels" has ${labels.length} entries for ${rows} rows`);
  for (let r = 0; r < rows; r++) {
    const label: unknown = labels[r];
    if (label === null) continue;
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= limits.classes) {
      return fail(`labels[${r}] must be a class from 0 to ${limits.classes - 1} (or null)`);
    }
  }
  return { ok: true, request: { rows, inputs: matrix, labels: labels as (number | null)[] } };
}
