import { describe, expect, it } from 'vitest';
import { connectionPriority, PoolPressure } from './pool-pressure.js';

const timeoutError = () => new Error('timeout');

describe('the gate in front of the database connections', () => {
  it('lets at most `capacity` callers in, then serves waiters by priority, in order within one', async () => {
    const gate = new PoolPressure(2);
    const releaseA = await gate.acquire(1000, timeoutError);
    const releaseB = await gate.acquire(1000, timeoutError);
    const order: string[] = [];
    const wait = (priority: 'critical' | 'normal' | 'low', name: string) =>
      connectionPriority.run(priority, () => gate.acquire(1000, timeoutError)).then((release) => {
        order.push(name);
        release(); // its work done at once: the slot passes to the next waiter
      });
    const waiting = [wait('low', 'low 1'), wait('normal', 'normal 1'), wait('low', 'low 2'), wait('critical', 'critical 1'), wait('normal', 'normal 2')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gate.waiting).toBe(5);
    expect(gate.oldestWaitMs()).toBeGreaterThanOrEqual(15);
    releaseA();
    releaseA(); // a second call gives nothing back twice
    releaseB();
    await Promise.all(waiting);
    expect(order).toEqual(['critical 1', 'normal 1', 'normal 2', 'low 1', 'low 2']);
    expect(gate.waiting).toBe(0);
    expect(gate.oldestWaitMs()).toBe(0);
  });

  it('gives up on a caller after its timeout, without losing the slot', async () => {
    const gate = new PoolPressure(1);
    const release = await gate.acquire(1000, timeoutError);
    await expect(gate.acquire(30, timeoutError)).rejects.toThrow('timeout');
    expect(gate.waiting).toBe(0);
    release();
    (await gate.acquire(30, timeoutError))();
  });
});
