/**
 * The values a hostile or careless user puts in a spec, as fast-check arbitraries: strings with
 * unicode, control characters, quotes, backslashes, template braces and PromQL fragments (the text
 * that would break out of a label value if the operator pasted it into a query unescaped), enormous
 * strings, numbers at and past every boundary, durations from `0s` to `99999999999h`, values of the
 * wrong JSON type, and PromQL templates with placeholders in every context (label values, regular
 * expressions, single quotes, backticks, bare, comments).
 */
import fc from 'fast-check';

/** Fragments that end a PromQL string, selector or expression early, or start a template placeholder. */
export const PROMQL_FRAGMENTS = [
  '"}) or vector(1) #', '"} or vector(1) #', "'} or vector(1) #", '`} or vector(1) #', '{{', '}}', '{{name}}', '{{ namespace }}',
  '{{window}}', '{{nope}}', '{{}}', '\\', '\\\\', '\\"', '"', "'", '`', '#', '\n', '\r\n', '{', '}', '[5m]', ')', '(',
  'up{job=~".*"}', 'sum by (le) (', '} or on() vector(1)', 'offset 1h', '@ end()', '=~".+"', '!~""', ',model!=""',
  '\\x41', '\\u0041', '\\U0001F600', '\\777', '$(id)', '${HOME}', '%s%n', '<script>', '\u001b[31m', '\u0000', '\u007f',
  '\u202e', '\u200b', '\ufeff', '\ud800', '🙂', '𝔘𝔫𝔦', 'ü', 'İ', '١٢٣', '　',
] as const;

/** Text made of those fragments and ordinary characters. */
export const hostileText: fc.Arbitrary<string> = fc.array(fc.oneof(
  { arbitrary: fc.constantFrom(...PROMQL_FRAGMENTS), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), weight: 2 },
), { maxLength: 8 }).map((parts) => parts.join(''));

/** An enormous string: 10 KiB to 1 MiB of one character or a repeated fragment. */
export const enormousString: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom('x', 'é', '🙂', '"}) or vector(1) #', '{{name}}', '\\'),
  fc.constantFrom(10_000, 70_000, 300_000, 1_100_000),
).map(([unit, size]) => unit.repeat(Math.ceil(size / unit.length)));

/** Any string a user could send: ordinary, hostile, empty or long (enormous ones are a mutation of their own). */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileText, weight: 6 },
  { arbitrary: fc.constantFrom('', ' ', 'a'), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 60, maxLength: 300 }), weight: 1 },
);

/** Durations from zero to far beyond Go's limit, malformed ones, and strings that only look like one. */
export const hostileDuration: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('99999999999h', '0s', '-1s', '0', '', ' 1s', '1s ', '1', 's', '1d', '1w', '1y', '1.5m', '1h0.5m', '.5s', '5.s',
    '1e3s', '1h1h', '0.000001ms', '2562048h', '2562047h47m16.854775807s', '99999h', '100000h', '10000000m', '100000000s',
    '100000000000ms', '00000000000000000000000001s', '１s', '1ｓ', '1µs', '1us', '1ns', '9223372036854775807ns', 'NaNs', 'Infh',
    '168h0.001s', '24h0m0.001s', '9.99s', '4.999s', '59.9999s', '1h60m', '0h0m0s', '1m0s1h', '1s'.repeat(17)),
  fc.tuple(fc.nat({ max: 10 ** 12 }), fc.constantFrom('ms', 's', 'm', 'h')).map(([n, u]) => `${n}${u}`),
  hostileText,
);

/** Numbers at and past every bound, and the ones JSON can only carry as text. */
export function boundaryNumbers(node: { minimum?: number; maximum?: number }): number[] {
  const edges = [0, -0, 1, -1, 0.5, -0.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, -(2 ** 53) - 2, 1e308, -1e308, 5e-324, 1e-9];
  for (const b of [node.minimum, node.maximum]) if (b !== undefined) edges.push(b, b - 1, b + 1, b - 0.5, b + 0.5, b - 1e-9, b + 1e-9);
  return edges;
}

/** Number literals that only raw JSON text can hold: they overflow or underflow a float64. */
export const RAW_NUMBER_LITERALS = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '0.1e+999', '-0'] as const;

/** A value of some other JSON type than the schema asks for. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, '', '1', 'true', [], {}, [null], { '': '' }),
  fc.string({ maxLength: 5 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Where a template placeholder can land in a PromQL query. */
const placeholder = fc.constantFrom('{{namespace}}', '{{name}}', '{{role}}', '{{variant}}', '{{window}}', '{{ name }}', '{{nope}}', '{{}}', '{{name');

/** PromQL templates with placeholders in label values and in every other place a user might put them. */
export const promqlTemplate: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('up', 'inference_requests_total', 'x:rate5m'), fc.array(fc.tuple(
    fc.constantFrom('namespace', 'model', 'role', 'variant', 'le', 'code'), fc.constantFrom('=', '!=', '=~', '!~'),
    fc.constantFrom('"', "'", '`'), placeholder), { minLength: 1, maxLength: 4 }), fc.constantFrom('', '[{{window}}]', '[5m]'),
  fc.constantFrom('sum(rate(%s))', '%s', 'count_over_time(%s)', 'histogram_quantile(0.95, sum by (le) (rate(%s)))', 'sum(%s) / sum(%s)'),
  ).map(([metric, matchers, range, wrap]) => {
    const selector = `${metric}{${matchers.map(([label, op, quote, ph]) => `${label}${op}${quote}${ph}${quote}`).join(',')}}${range}`;
    const withRange = wrap.startsWith('sum(rate') || wrap.startsWith('count') || wrap.startsWith('histogram') ? (range ? selector : `${selector}[{{window}}]`) : selector;
    return wrap.replaceAll('%s', withRange);
  }) },
  { weight: 2, arbitrary: fc.tuple(placeholder, fc.constantFrom(
    'sum(rate(%s_total[5m]))', '%s', 'up{model="x"} or %s', 'label_replace(up, "m", "%s", "", "")', 'up # %s', 'up{model=~"%s.*"}',
    'up{"%s"}', 'up{model="a\\"%s"}', 'sum(rate(up[%s]))', 'up offset %s', 'vector(1) and on() %s',
  )).map(([ph, wrap]) => wrap.replaceAll('%s', ph)) },
  { weight: 1, arbitrary: hostileText },
);
