import { describe, expect, it } from 'vitest';
import { addDays } from '../../platform/dates.js';
import { contactWindow, isOnsetDateAllowed } from './contact-window.js';

const today = '2026-11-22';
const ago = (days: number) => addDays(today, -days);

// docs/domain.md, contact window: symptoms N days ago → N+2 … max(N-10, 0); test M days ago → M+7 … max(M-10, 0);
// no date → the retention period; never more than 14 days.
describe('contact window', () => {
  it.each([
    // [days ago, from (days ago), to (days ago)]
    [0, 2, 0],
    [1, 3, 0],
    [5, 7, 0],
    [10, 12, 0],
    [11, 13, 1],
    [12, 14, 2],
    [13, 14, 3],
    [14, 14, 4],
  ])('symptoms %i days ago: from %i to %i days ago', (n, from, to) => {
    expect(contactWindow({ kind: 'symptoms', date: ago(n) }, today)).toEqual({ from: ago(from), to: ago(to) });
  });

  it.each([
    [0, 7, 0],
    [3, 10, 0],
    [7, 14, 0],
    [8, 14, 0],
    [10, 14, 0],
    [11, 14, 1],
    [14, 14, 4],
  ])('positive test %i days ago, no symptoms: from %i to %i days ago', (m, from, to) => {
    expect(contactWindow({ kind: 'test', date: ago(m) }, today)).toEqual({ from: ago(from), to: ago(to) });
  });

  it('covers the whole retention period without a date', () => {
    expect(contactWindow({ kind: 'unknown' }, today)).toEqual({ from: ago(14), to: today });
  });

  it('allows onset dates from today back to 14 days ago only', () => {
    expect(isOnsetDateAllowed(today, today)).toBe(true);
    expect(isOnsetDateAllowed(ago(14), today)).toBe(true);
    expect(isOnsetDateAllowed(ago(15), today)).toBe(false);
    expect(isOnsetDateAllowed(addDays(today, 1), today)).toBe(false);
  });

  it('counts calendar days across a daylight-saving change', () => {
    // 2026-10-25: France goes back to winter time.
    expect(contactWindow({ kind: 'symptoms', date: '2026-10-24' }, '2026-10-26')).toEqual({ from: '2026-10-22', to: '2026-10-26' });
  });
});
