import { describe, expect, it } from '@jest/globals';
import { formatPromValue, parsePromValue } from './prom-value.ts';

describe('parsePromValue', () => {
  it.each([
    ['0.25', 0.25], ['1', 1], ['0', 0], ['-3.5', -3.5], ['1e-07', 1e-7], ['2.5E+3', 2500], ['.5', 0.5], ['7.', 7],
    ['NaN', Number.NaN], ['+Inf', Infinity], ['-Inf', -Infinity], ['Inf', Infinity], ['nan', Number.NaN], ['-inf', -Infinity],
  ])('reads %j as %d', (text, value) => expect(parsePromValue(text)).toBe(value));

  it.each(['', ' ', ' 1', '1 ', 'abc', '0x10', '1,5', 'Infinityx', '--1'])('rejects %j instead of guessing a number', (text) =>
    expect(parsePromValue(text)).toBeUndefined());

  it.each([[null], [undefined], [1], [{}]])('rejects the non-string %j', (value) => expect(parsePromValue(value)).toBeUndefined());
});

describe('formatPromValue', () => {
  it.each([
    [0.0123, '0.0123'], [Number.NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [0, '0'], [-0, '0'], [250, '250'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('writes %d as %s', (value, text) => expect(formatPromValue(value)).toBe(text));

  it.each([0.0123, 1e-7, 123456.789, Number.NaN, Infinity, -Infinity])('round-trips %d', (value) =>
    expect(parsePromValue(formatPromValue(value))).toBe(value));
});
