/**
 * Generates src/api/generated/modelvariant.ts from the ModelVariant CRD, so the CRD stays the single
 * source of truth of the API. It takes the v1alpha1 openAPIV3Schema, swaps the pod template and the
 * object metadata for client-node's types, names the nested objects (so the operator can import
 * `Step`, `SLI`, …), drops the x-kubernetes-* extensions and runs json-schema-to-typescript.
 * `--check` compares instead of writing and exits 1 when the committed file is stale (CI and `make test`).
 *
 * usage: node scripts/gen-api-types.ts [--check]
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { parse } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CRD_PATH = 'crds/activationcanary.io_modelvariants.yaml';
const OUT_PATH = 'src/api/generated/modelvariant.ts';
const VERSION = 'v1alpha1';

type Schema = JSONSchema & { properties?: Record<string, Schema>; items?: Schema };

/** Named types for nested schemas, by dotted path from the root ("[]" is an array's items). */
const TITLES: Record<string, string> = {
  '': 'ModelVariant',
  spec: 'ModelVariantSpec',
  'spec.traffic': 'Traffic',
  'spec.traffic.provider': 'TrafficProvider',
  'spec.traffic.gatewayAPI': 'GatewayAPITraffic',
  'spec.traffic.istio': 'IstioTraffic',
  'spec.strategy': 'Strategy',
  'spec.strategy.steps[]': 'Step',
  'spec.strategy.analysis': 'Analysis',
  'spec.strategy.analysis.prometheus': 'PrometheusSource',
  'spec.strategy.analysis.prometheus.caSecretRef': 'SecretKeyRef',
  'spec.strategy.analysis.slo': 'SLO',
  'spec.strategy.analysis.slis[]': 'SLI',
  'spec.strategy.analysis.slis[].builtin': 'BuiltinSLI',
  'spec.strategy.analysis.slis[].profile': 'SLIProfile',
  'spec.strategy.experiment': 'Experiment',
  'spec.strategy.experiment.candidates[]': 'ExperimentCandidate',
  'spec.strategy.experiment.slis[]': 'ExperimentSLI',
  'spec.strategy.experiment.rankBy[]': 'ExperimentObjective',
  status: 'ModelVariantStatus',
  'status.phase': 'Phase',
  'status.analysis': 'AnalysisStatus',
  'status.analysis.verdict': 'Verdict',
  'status.analysis.slis[]': 'SLIStatus',
  'status.analysis.burnRate': 'BurnRateStatus',
  'status.experiment': 'ExperimentStatus',
  'status.experiment.candidates[]': 'CandidateStatus',
  'status.experiment.candidates[].slis[]': 'CandidateSLIStatus',
  'status.experiment.candidates[].verdict': 'StatisticalVerdict',
  'status.conditions[]': 'StatusCondition',
};

/** Schemas replaced by a type declared elsewhere (client-node, or a type named in TITLES). */
const TS_TYPES: Record<string, string> = {
  metadata: 'V1ObjectMeta',
  'spec.template': 'V1PodTemplateSpec',
  'spec.strategy.analysis.prometheus.bearerTokenSecretRef': 'SecretKeyRef',
  'status.analysis.slis[].verdict': 'Verdict',
  'status.analysis.burnRate.verdict': 'Verdict',
  'status.experiment.candidates[].slis[].verdict': 'StatisticalVerdict',
};

/** Doc comments for named types shared by several fields, where the first field's description would mislead. */
const TYPE_DOCS: Record<string, string> = {
  SecretKeyRef: "A key of a Secret in the ModelVariant's namespace.",
  StatisticalVerdict: 'The statistical judge\'s verdict: Pass (not worse by the minimum effect), Fail (worse), Inconclusive (not known yet, too few samples).',
  Verdict: 'The outcome of a judgement: Successful, Failed, Inconclusive (no data, NaN, too few samples) or Error (the query failed).',
};

const IMPORTS = "import type { V1ObjectMeta, V1PodTemplateSpec } from '@kubernetes/client-node';";

const BANNER = `/**
 * Generated from ${CRD_PATH} (${VERSION}) by scripts/gen-api-types.ts; do not edit; run npm run gen.
 */`;

/** The openAPIV3Schema of the served version, straight from the CRD. */
export function crdSchema(root = ROOT): Schema {
  const crd = parse(readFileSync(join(root, CRD_PATH), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
  };
  const version = crd.spec.versions.find((v) => v.name === VERSION);
  if (!version) throw new Error(`${CRD_PATH}: no version ${VERSION}`);
  return version.schema.openAPIV3Schema;
}

/** A copy of `schema` ready for json-schema-to-typescript (see the module comment). */
function prepare(schema: Schema, path: string): Schema {
  const tsType = TS_TYPES[path];
  if (tsType) return { tsType, ...(schema.description ? { description: schema.description } : {}) };
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'format' || key === 'default') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, sub]) => [name, prepare(sub, path ? `${path}.${name}` : name)]),
      );
    } else if (key === 'items') {
      out.items = prepare(value as Schema, `${path}[]`);
    } else {
      (out as Record<string, unknown>)[key] = value;
    }
  }
  const title = TITLES[path];
  if (title) out.title = title;
  if (title && TYPE_DOCS[title]) out.description = TYPE_DOCS[title];
  // Structural schemas prune unknown fields, so objects are closed unless they say otherwise.
  if (schema.type === 'object' && !schema['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

/** The generated module's full text. */
export async function generate(root = ROOT): Promise<string> {
  const body = await compile(prepare(crdSchema(root), '') as Parameters<typeof compile>[0], 'ModelVariant', {
    bannerComment: '',
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 120, trailingComma: 'all', semi: true },
  });
  return `${BANNER}\n${IMPORTS}\n\n${body.trim()}\n`;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const next = await generate();
  const outFile = join(ROOT, OUT_PATH);
  if (!check) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, next);
    console.log(`wrote ${OUT_PATH}`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(outFile, 'utf8');
  } catch {
    // a missing file is reported as stale below
  }
  if (current === next) return;
  const a = current.split('\n');
  const b = next.split('\n');
  const line = b.findIndex((text, i) => a[i] !== text);
  const at = line === -1 ? a.length : line;
  console.error(`${OUT_PATH} is out of date with ${CRD_PATH}: run \`npm run gen\` and commit the result.`);
  console.error(`first difference at line ${at + 1}:\n- ${a[at] ?? '(end of file)'}\n+ ${b[at] ?? '(end of file)'}`);
  process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
