import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRules, DEFAULT_VALUE_SETS } from './defaults.js';
import { RULE_CASES } from './testing/rule-cases.js';
import { createTestSigner, signTestHc1, type TestSigner } from './testing/test-issuer.js';
import { valueSetCodes } from './value-sets.js';
import { verifyDcc } from './verify.js';

const lists = { rules: defaultRules(), valueSets: valueSetCodes(DEFAULT_VALUE_SETS) };

describe('French rules: each certificate kind around each threshold (full verification of a signed HC1)', () => {
  let signer: TestSigner;
  beforeAll(async () => {
    signer = await createTestSigner({ country: 'DE', notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') });
  });

  it.each(RULE_CASES.map((c) => [c.name, c] as const))('%s', async (_, ruleCase) => {
    const clock = new Date(ruleCase.clock);
    const hc1 = await signTestHc1(signer, ruleCase.dcc, {
      issuedAt: new Date(Math.min(clock.getTime(), Date.parse('2021-06-01T00:00:00Z'))),
      expiresAt: new Date('2034-01-01T00:00:00Z'),
    });
    const result = await verifyDcc(hc1, { lists: { ...lists, signers: [signer.signer] }, validationClock: clock });
    if (ruleCase.expected === 'valid') {
      expect(result.reason, JSON.stringify(result.rules.filter((r) => r.result !== 'passed'))).toBeUndefined();
      expect(result.status).toBe('valid');
      expect(result.rules.length).toBeGreaterThan(3);
      expect(result.rules.every((rule) => rule.result === 'passed')).toBe(true);
    } else {
      expect(result.status).toBe('invalid');
      expect(result.reason?.step).toBe('rules');
      expect(result.reason?.rule?.identifier).toBe(ruleCase.expected);
      // The reason is the rule's French sentence.
      expect(result.reason?.message).toMatch(/[a-zé]/);
      expect(result.steps.rules).toBe('failed');
    }
  });

  it('covers every French rule at least once as the failing one', () => {
    const failing = new Set(RULE_CASES.map((c) => c.expected));
    for (const rule of lists.rules) expect(failing, rule.Identifier).toContain(rule.Identifier);
  });
});
