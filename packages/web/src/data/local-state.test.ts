// @vitest-environment happy-dom
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalState } from './local-state';

afterEach(cleanup);

describe('a piece of local state', () => {
  it('holds its value, replaced by set and merged by update', () => {
    const state = createLocalState({ count: 1, label: 'un' });
    expect(state.get()).toEqual({ count: 1, label: 'un' });
    state.update({ count: 2 });
    expect(state.get()).toEqual({ count: 2, label: 'un' });
    state.set({ count: 3, label: 'trois' });
    expect(state.get()).toEqual({ count: 3, label: 'trois' });
  });

  it('re-renders the components that use it with what they select, on every change', () => {
    const state = createLocalState({ count: 0, label: 'zéro' });
    const whole = renderHook(() => state.use());
    const count = renderHook(() => state.use((s) => s.count));
    expect(whole.result.current).toEqual({ count: 0, label: 'zéro' });
    expect(count.result.current).toBe(0);
    act(() => state.update({ count: 5 }));
    expect(count.result.current).toBe(5);
    expect(whole.result.current).toEqual({ count: 5, label: 'zéro' });
    act(() => state.set({ count: 6, label: 'six' }));
    expect(whole.result.current.label).toBe('six');
  });

  it('stops telling a component once it is gone, and keeps the states of two modules apart', () => {
    const first = createLocalState(1);
    const second = createLocalState('a');
    const view = renderHook(() => first.use());
    view.unmount();
    // No listener left: a change after unmount must not throw nor touch the other state.
    expect(() => first.set(2)).not.toThrow();
    expect(first.get()).toBe(2);
    expect(second.get()).toBe('a');
  });
});
