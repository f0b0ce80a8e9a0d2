import { describe, expect, it } from '@jest/globals';
import { analysisSeries, parseBounds } from './analysis-series.ts';

describe('parseBounds', () => {
  it('reads absolute and ratio-to-stable bounds from the status threshold text', () => {
    expect(parseBounds('<= 0.25 and <= 1.2 × stable')).toEqual([{ bound: 'max', value: 0.25 }, { bound: 'maxRatioToStable', value: 1.2 }]);
    expect(parseBounds('>= 0.9')).toEqual([{ bound: 'min', value: 0.9 }]);
    expect(parseBounds('>= 0.8 × stable and <= 1e-7')).toEqual([{ bound: 'minRatioToStable', value: 0.8 }, { bound: 'max', value: 1e-7 }]);
  });

  it('gives nothing for "no bound" or text it does not recognise', () => {
    expect(parseBounds('no bound')).toEqual([]);
    expect(parseBounds('')).toEqual([]);
    expect(parseBounds('< 3')).toEqual([]);
  });
});

describe('analysisSeries', () => {
  it('exports canary and stable values, every bound and both burn-rate windows', () => {
    const points = analysisSeries('ml', 'sentiment', {
      slis: [
        { name: 'latencyP95', canaryValue: '0.21', stableValue: '0.2', threshold: '<= 0.25 and <= 1.2 × stable', verdict: 'Successful' },
        { name: 'nans', canaryValue: 'NaN', threshold: '<= 0', verdict: 'Failed' },
      ],
      burnRate: { shortWindow: '1m', longWindow: '5m', short: '+Inf', long: '2.5', threshold: 14.4 },
    });
    const text = points.map((p) => `${p.metric}${JSON.stringify(Object.values(p.labels).slice(2))}=${p.value}`);
    expect(text).toEqual([
      'sliValue["latencyP95","canary"]=0.21',
      'sliValue["latencyP95","stable"]=0.2',
      'sliThreshold["latencyP95","max"]=0.25',
      'sliThreshold["latencyP95","maxRatioToStable"]=1.2',
      'sliValue["nans","canary"]=NaN',
      'sliThreshold["nans","max"]=0',
      'burnRate["short"]=Infinity',
      'burnRate["long"]=2.5',
    ]);
  });

  it('exports no point for a value that is absent (no data), rather than a zero', () => {
    expect(analysisSeries('ml', 'x', { slis: [{ name: 'accuracy', threshold: 'no bound' }], burnRate: { shortWindow: '1m', longWindow: '5m' } })).toEqual([]);
    expect(analysisSeries('ml', 'x', undefined)).toEqual([]);
    expect(analysisSeries('ml', 'x', { slis: 'garbage' as unknown as [] })).toEqual([]);
  });
});
