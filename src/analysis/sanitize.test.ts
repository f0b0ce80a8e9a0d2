import { describe, expect, it } from '@jest/globals';
import { clip, describeBody, MAX_SERVER_TEXT, queryEcho, serverText } from './sanitize.ts';

/** Nothing a terminal, a log viewer or a UI could interpret: no control, format or escape characters. */
const PRINTABLE = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;

describe('serverText', () => {
  it.each<[string, unknown, string]>([
    ['keeps a plain message', 'parse error: unexpected "}"', 'parse error: unexpected "}"'],
    ['joins lines into one', 'first line\r\nsecond\tline\n\nthird', 'first line second line third'],
    ['drops ANSI colour and cursor sequences whole', '\u001b[31mred\u001b[0m \u001b[2J\u001b[Hcleared', 'red cleared'],
    ['drops an OSC hyperlink sequence', '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007', 'click'],
    ['drops the one-byte C1 CSI', '\u009b31mred', 'red'],
    ['drops bidi overrides and zero-width characters', 'abc\u202Eexe.txt\u200B!', 'abc exe.txt !'],
    ['drops NUL, DEL and bell', 'a\u0000b\u007fc\u0007d', 'a b c d'],
    ['removes HTML tags, keeping their text', '<html><head><title>502 Bad Gateway</title></head><body><h1>oops</h1></body></html>', '502 Bad Gateway oops'],
    ['removes a script tag', '<script>alert(1)</script>done', 'alert(1) done'],
    ['redacts an Authorization header', 'upstream said: Authorization: Bearer abc.def-123_XYZ', 'upstream said: Authorization: [redacted]'],
    ['redacts a bearer token', 'sent Bearer abc.def-123_XYZ to', 'sent Bearer [redacted] to'],
    ['leaves the words "bearer token" alone', 'check the bearer token', 'check the bearer token'],
    ['redacts a token parameter', 'redirect to /cb?access_token=s3cr3t&x=1', 'redirect to /cb?access_token=[redacted]&x=1'],
    ['redacts a JWT', 'bad token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature here', 'bad token [redacted] here'],
    ['writes a non-string as JSON', { error: 'x' }, '{"error":"x"}'],
    ['writes undefined as nothing', undefined, ''],
  ])('%s', (_title, input, output) => expect(serverText(input)).toBe(output));

  it('redacts the exact secrets it is given, wherever they appear', () =>
    expect(serverText('echo: my-very-own-token-value!', { secrets: ['my-very-own-token-value'] })).toBe('echo: [redacted]!'));

  it.each([
    ['a 1 MiB line', 'x'.repeat(1 << 20)],
    ['10,000 lines', 'line\n'.repeat(10_000)],
    ['an escape storm', '\u001b[31m'.repeat(50_000)],
    ['emoji that could be cut in half', '😀'.repeat(500)],
  ])('keeps %s to at most MAX_SERVER_TEXT printable characters', (_title, input) => {
    const out = serverText(input);
    expect(out.length).toBeLessThanOrEqual(MAX_SERVER_TEXT);
    expect(out).toMatch(PRINTABLE);
    expect(out.isWellFormed()).toBe(true);
  });

  it('marks a cut with an ellipsis', () => expect(serverText('a'.repeat(300), { max: 10 })).toBe(`${'a'.repeat(9)}…`));
});

describe('clip', () => {
  it.each<[string, number, string]>([
    ['short', 10, 'short'], ['exactly10!', 10, 'exactly10!'], ['longer than ten', 10, 'longer th…'], ['😀😀😀', 4, '😀…'],
  ])('clips %j to %d characters as %j', (text, max, out) => {
    expect(clip(text, max)).toBe(out);
    expect(clip(text, max).length).toBeLessThanOrEqual(max);
  });
});

describe('queryEcho', () => {
  it('keeps a query printable and short', () => {
    const echo = queryEcho(`sum(rate(x{a="b"}[1m]))\n${'+ 1 '.repeat(2000)}`);
    expect(echo.length).toBeLessThanOrEqual(256);
    expect(echo).toMatch(PRINTABLE);
    expect(echo.startsWith('sum(rate(x{a="b"}[1m]))')).toBe(true);
  });
});

describe('describeBody', () => {
  it.each<[unknown, string]>([
    [undefined, 'an empty body'], ['', 'an empty body'], [null, 'an empty body'],
    ['<html>Bad Gateway</html>', 'an HTML or XML page of 24 bytes'],
    ['upstream connect error', 'a text body of 22 bytes'],
    ['é', 'a text body of 2 bytes'],
    [{ status: 'weird' }, 'a JSON object'], [[1, 2, 3], 'a JSON array of 3 items'], [42, 'a JSON number'],
  ])('describes %j as %j, quoting none of it', (body, text) => expect(describeBody(body)).toBe(text));
});
