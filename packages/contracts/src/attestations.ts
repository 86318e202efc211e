import { Type, type Static } from 'typebox';
import { TestResult, TestType } from './acts.js';

const Base64Url = (description: string) => Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 100, description });
export const Kid = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'RFC 7638 SHA-256 thumbprint of the public JWK' });

/**
 * What WebCrypto exports for an ECDSA public key. Extra members are let through the schema
 * so the service can say exactly what is wrong (a private `d` gets its own message); only
 * kty, crv, x and y are stored.
 */
export const PublicJwk = Type.Object(
  {
    kty: Type.String({ maxLength: 10 }),
    crv: Type.Optional(Type.String({ maxLength: 10 })),
    x: Type.Optional(Base64Url('x coordinate')),
    y: Type.Optional(Base64Url('y coordinate')),
  },
  { maxProperties: 10, description: 'Public JWK, EC P-256 (kty, crv, x, y); ext, key_ops, alg, use are ignored' },
);

export const EnrollKeyBody = Type.Object({ publicJwk: PublicJwk }, { additionalProperties: false });
export const EnrolledKey = Type.Object({ kid: Kid, enrolledAt: Type.String({ format: 'date-time' }) });
export const KeyParams = Type.Object({ kid: Kid });

export const OwnKeys = Type.Object({
  keys: Type.Array(
    Type.Object({
      kid: Type.String(),
      enrolledAt: Type.String({ format: 'date-time' }),
      revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      userAgent: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

const Jwk = Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), y: Type.String() });

/** An incident window as a verifier needs it: which component, when, and the validity it sets. */
export const IncidentWindow = Type.Object({
  component: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null while the incident is open' }),
  testAttestationHours: Type.Integer(),
});

export const TrustListAnswer = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  keys: Type.Array(
    Type.Object({
      kid: Type.String(),
      publicJwk: Jwk,
      idNatPs: Type.String({ description: 'The professional who enrolled the key (their session identity)' }),
      name: Type.String(),
      enrolledAt: Type.String({ format: 'date-time' }),
      revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  ),
  incidents: Type.Array(IncidentWindow),
});
export type TrustListAnswer = Static<typeof TrustListAnswer>;

export const VerifyProvisionalBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 10_000, description: 'The QR code content (PSCV1:…)' }) },
  { additionalProperties: false },
);

/** What a provisional test attestation states (its signed QR code carries it in short names). */
export const ProvisionalTestClaims = Type.Object({
  version: Type.Literal(1),
  actId: Type.String({ description: "The act's idempotency key (UUID): the same act once entered afterwards" }),
  professional: Type.Object({ idNatPs: Type.String(), name: Type.String(), professionLabel: Type.Optional(Type.String()) }),
  patient: Type.Object({ familyName: Type.String(), givenName: Type.String(), birthDate: Type.String({ description: 'YYYY-MM-DD' }) }),
  test: Type.Object({
    type: TestType,
    device: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() }, { description: 'Antigen tests: the EU list id and "brand, reference"' })),
    result: TestResult,
    sampledAt: Type.String({ description: 'ISO 8601, to the second' }),
  }),
  validityHours: Type.Integer({ description: "The validity stated on the attestation (the incident's, default 12 hours)" }),
  issuedAt: Type.String({ description: 'ISO 8601, to the second' }),
  place: Type.String(),
});
export type ProvisionalTestClaims = Static<typeof ProvisionalTestClaims>;

export const ProvisionalInvalidReason = Type.Union([
  Type.Literal('malformed'),
  Type.Literal('unknown-key'),
  Type.Literal('revoked-key'),
  Type.Literal('bad-signature'),
  Type.Literal('identity-mismatch'),
  Type.Literal('future'),
  Type.Literal('outside-incident'),
  Type.Literal('expired'),
]);
export type ProvisionalInvalidReason = Static<typeof ProvisionalInvalidReason>;

const Message = Type.String({ description: 'French: the verdict as the verifier reads it' });

export const ProvisionalVerdict = Type.Union([
  Type.Object({
    status: Type.Literal('valid'),
    message: Message,
    claims: ProvisionalTestClaims,
    validUntil: Type.String({ format: 'date-time', description: "sampledAt + min(stated validity, the incident's)" }),
    incident: IncidentWindow,
    signer: Type.Object({ kid: Type.String(), idNatPs: Type.String(), name: Type.String() }, { description: 'Who enrolled the signing key (from the trust list, not from the attestation)' }),
  }),
  Type.Object({
    status: Type.Literal('invalid'),
    reason: ProvisionalInvalidReason,
    message: Message,
    claims: Type.Optional({ ...ProvisionalTestClaims, description: 'Only once the signature is verified: nothing unsigned is shown as fact' }),
  }),
]);
export type ProvisionalVerdict = Static<typeof ProvisionalVerdict>;
