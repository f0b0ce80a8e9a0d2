import { describe, expect, it } from '@jest/globals';
import { escapeLabelValue, isPromDuration, renderQuery, toPromDuration, type TemplateVars } from './render-query.ts';

const vars: TemplateVars = { namespace: 'ml', name: 'sentiment', role: 'canary', variant: 'gelu', window: '1m' };
const render = (template: string, over: Partial<TemplateVars> = {}) => renderQuery(template, { ...vars, ...over });
const rendered = (template: string, over: Partial<TemplateVars> = {}): string => {
  const r = render(template, over);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/** Reads the double-quoted PromQL string starting at `from` the way Prometheus' lexer does; returns its end. */
function endOfString(text: string, from: number): number {
  expect(text[from]).toBe('"');
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
    else expect(text[i]).not.toMatch(/[\n\r]/);
  }
  throw new Error(`unterminated string in ${text}`);
}

describe('renderQuery', () => {
  it('replaces every variable, also when written with spaces', () =>
    expect(rendered('x{namespace="{{namespace}}",model="{{ name }}",role="{{role}}",variant="{{variant}}"}[{{window}}]'))
      .toBe('x{namespace="ml",model="sentiment",role="canary",variant="gelu"}[1m]'));

  it('replaces a variable used twice', () => expect(rendered('a{m="{{name}}"} / b{m="{{name}}"}')).toBe('a{m="sentiment"} / b{m="sentiment"}'));

  it.each([
    ['x"} or vector(1) #'],
    ['x\\"} or vector(1) #'],
    ['x\\'],
    ['a\nb"} or up{'],
    ['"'],
    ['\u0000\u001b'],
  ])('keeps the name %j a literal that cannot end the label matcher', (name) => {
    const query = rendered('sum(rate(m{model="{{name}}",role="{{role}}"}[{{window}}]))', { name });
    const start = query.indexOf('"');
    const end = endOfString(query, start);
    expect(query.slice(end)).toBe('",role="canary"}[1m]))');
    expect(JSON.parse(query.slice(start, end + 1).replace(/\\x([0-9a-f]{2})/g, '\\u00$1'))).toBe(name);
  });

  it('escapes the namespace and the variant as well', () =>
    expect(rendered('m{n="{{namespace}}",v="{{variant}}"}', { namespace: 'a"b', variant: 'c\\d' })).toBe('m{n="a\\"b",v="c\\\\d"}'));

  it('names an unknown variable and lists the known ones', () => {
    const r = render('m{pod="{{pod}}"}');
    expect(r).toMatchObject({ ok: false, error: { code: 'UnknownTemplateVariable', variable: 'pod' } });
    expect(r.ok ? '' : r.error.message).toContain('{{namespace}}, {{name}}, {{role}}, {{variant}}, {{window}}');
  });

  it('rejects a Go-template style placeholder instead of sending it to Prometheus', () =>
    expect(render('m{m="{{.Name}}"}')).toMatchObject({ ok: false, error: { variable: '.Name' } }));

  it.each(['1m] or vector(1) #', '', '0s', '1.5m', '5', '1m ', '-1m', '"1m"'])('rejects the window %j instead of inserting it', (window) =>
    expect(render('rate(m[{{window}}])', { window })).toMatchObject({ ok: false, error: { code: 'InvalidWindow', window } }));

  // Found by the spec fuzzer (make fuzz): user text outside a double-quoted label value.
  it("keeps a name with a single quote a literal inside a single-quoted label value", () =>
    expect(rendered("m{model='{{name}}'}", { name: "x'} or vector(1) #" })).toBe("m{model='x\\'} or vector(1) #'}"));

  it('quotes the regular-expression characters of a value in a regex matcher, so it matches only itself', () => {
    expect(rendered('m{model=~"{{name}}",role!~"{{role}}"}', { name: 'a.b' })).toBe('m{model=~"a\\\\.b",role!~"canary"}');
    expect(rendered("m{model=~'{{name}}.*'}", { name: 'a|b' })).toBe("m{model=~'a\\\\|b.*'}");
  });

  it.each([
    ['bare in the query', 'sum(rate({{name}}_total[5m]))'],
    ['after a selector', 'up{model="x"} or {{variant}}'],
    ['in a backtick string, which has no escapes', 'm{model=`{{name}}`}'],
    ['in a comment', 'up # {{namespace}}'],
  ])('refuses a placeholder %s, naming it and where it must go', (_where, template) => {
    const r = render(template);
    expect(r).toMatchObject({ ok: false, error: { code: 'PlaceholderOutsideString' } });
    expect(r.ok ? '' : r.error.message).toMatch(/must be inside a double- or single-quoted string/);
  });

  it.each([
    ["'{{namespace}}", 1],
    ["'\ud800{{namespace}}", 1], // a lone surrogate before it (found by the render-query property, seed -217251491)
    ['up{a="x"} or m{model="{{name}}', 22],
    ['m{a="\\"", b="{{name}}}', 13],
  ])('refuses a placeholder in a string never closed: %j', (template, quoteAt) => {
    const r = render(template);
    expect(r).toMatchObject({ ok: false, error: { code: 'PlaceholderOutsideString' } });
    expect(r.ok ? '' : r.error.message).toContain(`is in a string that is never closed (the ${template[quoteAt - 1]} at character ${quoteAt} has no closing`);
  });

  it('renders a placeholder in a closed string followed by another string', () =>
    expect(rendered('m{a="{{name}}", b=\'x\'}', { name: 'n' })).toBe("m{a=\"n\", b='x'}"));

  it('lets {{window}} stand anywhere: it is a checked duration, not text', () =>
    expect(rendered('rate(m{a="{{window}}"}[{{window}}]) offset {{window}}')).toBe('rate(m{a="1m"}[1m]) offset 1m'));

  it('reads a quote escaped inside a string as part of the string', () =>
    expect(rendered('m{a="x\\"{{name}}"}')).toBe('m{a="x\\"sentiment"}'));

  it('checks the window even when the template does not use it', () =>
    expect(render('up', { window: 'bad' }).ok).toBe(false));
});

describe('escapeLabelValue', () => {
  it.each([
    ['plain-name.1', 'plain-name.1'], ['a"b', 'a\\"b'], ['a\\b', 'a\\\\b'], ['a\nb', 'a\\nb'], ['\t\r', '\\t\\r'],
    ['\u0001', '\\x01'], ['\u007f', '\\x7f'], ['ünï', 'ünï'], ["it's", "it's"],
  ])('escapes %j as %j', (value, escaped) => expect(escapeLabelValue(value)).toBe(escaped));
});

describe('Prometheus durations', () => {
  it.each(['1m', '90s', '1h30m', '500ms', '1d', '2w', '1y'])('accepts %s', (d) => expect(isPromDuration(d)).toBe(true));
  it.each(['', '0s', '0m0s', '1.5m', 'm', '1m1h', '1 m'])('rejects %j', (d) => expect(isPromDuration(d)).toBe(false));
  it.each([[60_000, '1m'], [90_000, '1m30s'], [1500, '1s500ms'], [3_600_000, '1h'], [300_000, '5m']])('writes %d ms as %s', (ms, d) => {
    expect(toPromDuration(ms)).toBe(d);
    expect(isPromDuration(d)).toBe(true);
  });
});
