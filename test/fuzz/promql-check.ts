/**
 * Checks, with the Prometheus project's own PromQL grammar (@prometheus-io/lezer-promql), that a query
 * the operator renders carries user text only as data: every value substituted for `{{namespace}}`,
 * `{{name}}`, `{{role}}` and `{{variant}}` must land inside a string literal (a label value), decode
 * back to exactly the value (in a regex matcher, to a regex that matches exactly the value), and leave
 * the query's syntax tree the shape it has with harmless values. `{{window}}` is a duration the
 * operator checks before inserting it and is not user text here.
 *
 * How: the template is rendered twice by the operator's own `renderQuery`, once with sentinel values
 * (which show where each placeholder lands) and once with the real values; both are parsed and compared.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { renderQuery, type TemplateVars } from '../../src/analysis/render-query.ts';

export interface PromqlBreach {
  template: string;
  rendered: string;
  problem: string;
}

const TEXT_VARIABLES = ['namespace', 'name', 'role', 'variant'] as const;
type TextVariable = (typeof TEXT_VARIABLES)[number];

/** Values no real spec has, that render unchanged and show where each placeholder lands. */
const SENTINELS: Record<TextVariable, string> = { namespace: 'qqnamespaceqq', name: 'qqnameqq', role: 'qqroleqq', variant: 'qqvariantqq' };

interface Node {
  name: string;
  from: number;
  to: number;
  parent?: Node;
}

/** Every node of the parse tree, in document order, with its parent. */
function nodes(query: string): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [];
  parser.parse(query).iterate({
    enter(n) {
      const node: Node = { name: n.name, from: n.from, to: n.to, ...(stack.length ? { parent: stack[stack.length - 1] as Node } : {}) };
      out.push(node);
      stack.push(node);
    },
    leave() {
      stack.pop();
    },
  });
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** The value of a PromQL string literal (Go's quoting rules), or undefined when its escapes are invalid. */
export function decodeStringLiteral(literal: string): string | undefined {
  const quote = literal[0];
  if (!quote || literal.length < 2 || literal[literal.length - 1] !== quote) return undefined;
  const body = literal.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === quote || ch === '\n') return undefined;
    if (ch !== '\\') { out += ch; continue; }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES && (e === '\\' || (e !== '"' && e !== "'") || e === quote)) { out += SIMPLE_ESCAPES[e]; continue; }
    const hex = (n: number) => {
      const digits = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) return undefined;
      i += n;
      return parseInt(digits, 16);
    };
    let code: number | undefined;
    if (e === 'x') code = hex(2);
    else if (e === 'u') code = hex(4);
    else if (e === 'U') code = hex(8);
    else if (/[0-7]/.test(e) && /^[0-7]{2}$/.test(body.slice(i + 1, i + 3))) {
      code = parseInt(body.slice(i, i + 3), 8);
      i += 2;
    }
    if (code === undefined || code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
  }
  return out;
}

/** RE2's QuoteMeta: the regex that matches exactly `value`. */
export function quoteMeta(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The match operator of the label matcher a string literal is the value of, if it is one. */
function matchOp(literal: Node, all: Node[]): string | undefined {
  const matcher = literal.parent;
  if (!matcher || !/LabelMatcher$/.test(matcher.name)) return undefined;
  const op = all.find((n) => n.name === 'MatchOp' && n.parent === matcher);
  return op ? all.find((n) => n.parent === op)?.name : undefined;
}

/**
 * Renders `template` with `vars` as the operator does and returns what is wrong with the result, if
 * anything. Templates the operator refuses (renderQuery's error) send nothing and pass.
 */
export function checkRenderedQuery(template: string, vars: TemplateVars): PromqlBreach | undefined {
  const real = renderQuery(template, vars);
  if (!real.ok) return undefined;
  const probe = renderQuery(template, { ...vars, ...SENTINELS } as TemplateVars);
  if (!probe.ok) return { template, rendered: real.value, problem: `renders with real values but not with plain ones: ${probe.error.message}` };
  const breach = (problem: string): PromqlBreach => ({ template, rendered: real.value, problem });
  const probeNodes = nodes(probe.value);
  const realNodes = nodes(real.value);
  const shape = (ns: Node[]) => ns.map((n) => n.name).join(' ');
  if (shape(probeNodes) !== shape(realNodes)) return breach('the real values change the syntax tree of the query (user text is read as PromQL)');
  for (const variable of TEXT_VARIABLES) {
    const sentinel = SENTINELS[variable];
    for (let at = probe.value.indexOf(sentinel); at >= 0; at = probe.value.indexOf(sentinel, at + 1)) {
      const inside = probeNodes.filter((n) => n.from <= at && n.to >= at + sentinel.length);
      const literal = inside[inside.length - 1];
      if (!literal || literal.name !== 'StringLiteral') {
        return breach(`{{${variable}}} lands outside a string literal (in ${literal?.name ?? 'nothing'}): ${JSON.stringify(vars[variable])} is read as PromQL`);
      }
    }
  }
  for (const [i, p] of probeNodes.entries()) {
    if (p.name !== 'StringLiteral') continue;
    const probeText = decodeStringLiteral(probe.value.slice(p.from, p.to));
    if (probeText === undefined || !TEXT_VARIABLES.some((v) => probeText.includes(SENTINELS[v]))) continue;
    const r = realNodes[i] as Node;
    const got = decodeStringLiteral(real.value.slice(r.from, r.to));
    const regex = ['EqlRegex', 'NeqRegex'].includes(matchOp(p, probeNodes) ?? '');
    let want = probeText;
    for (const v of TEXT_VARIABLES) {
      const value = vars[v].toWellFormed();
      want = want.split(regex ? quoteMeta(SENTINELS[v]) : SENTINELS[v]).join(regex ? quoteMeta(value) : value);
    }
    if (got === undefined) return breach(`the string literal ${real.value.slice(r.from, r.to)} is not valid PromQL (bad escaping)`);
    if (got !== want) return breach(`a label value decodes to ${JSON.stringify(got)}, not ${JSON.stringify(want)} (escaped wrongly${regex ? ' for a regex matcher' : ''})`);
  }
  return undefined;
}
