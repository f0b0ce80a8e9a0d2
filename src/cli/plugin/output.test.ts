import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { asList, formatObject, withoutManagedFields } from './output.ts';
import { healthy } from './test-fixtures.ts';

describe('-o json|yaml', () => {
  it('prints the object without managedFields, as kubectl does', () => {
    const mv = healthy();
    mv.metadata = { ...mv.metadata, managedFields: [{ manager: 'kubectl' }] };
    const json = JSON.parse(formatObject(withoutManagedFields(mv), 'json'));
    expect(json.metadata.managedFields).toBeUndefined();
    expect(json.status.phase).toBe('Healthy');
  });

  it('wraps a list in kind List, in YAML too', () => {
    const doc = parse(formatObject(asList([healthy()]), 'yaml'));
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'List', items: [{ metadata: { name: 'sentiment' }, status: { phase: 'Healthy' } }] });
  });
});
