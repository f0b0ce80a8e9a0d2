import { describe, expect, it, jest } from '@jest/globals';
import { pino } from 'pino';
import type { ModelVariant } from '../api/types.ts';
import type { ReconcileContext } from './context.ts';
import type { Plan } from './model.ts';
import { recordStatus } from './reconcile.ts';

describe('recordStatus', () => {
  it('treats a ModelVariant deleted before its status was written as done, not as a failed reconcile', async () => {
    const record = jest.fn(async () => undefined);
    const notFound = Object.assign(new Error('HTTP-Code: 404'), { code: 404 });
    const ctx = {
      custom: { patchNamespacedCustomObjectStatus: async () => { throw notFound; } },
      events: { record }, logger: pino({ level: 'silent' }), written: new Map(),
    } as unknown as ReconcileContext;
    const mv: ModelVariant = { metadata: { name: 'gone', namespace: 'ml' }, spec: { activation: 'relu', template: {} } };
    const plan: Plan = { route: { weight: 0 }, status: { phase: 'Healthy' }, events: [{ type: 'Normal', reason: 'Healthy', message: 'm' }] };
    await expect(recordStatus(ctx, mv, {}, plan)).resolves.toBeUndefined();
    expect(record).not.toHaveBeenCalled();
  });
});
