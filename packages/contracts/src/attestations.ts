import { Type } from 'typebox';

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
const Incident = Type.Object({
  component: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  testAttestationHours: Type.Integer(),
});

export const TrustListAnswer = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  keys: Type.Array(
    Type.Object({
      kid: Type.String(),
      publicJwk: Jwk,
      idNatPs: Type.String(),
      name: Type.String(),
      enrolledAt: Type.String({ format: 'date-time' }),
      revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  ),
  incidents: Type.Array(Incident),
});

export const VerifyProvisionalBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 10_000, description: 'The QR code content (PSCV1:…)' }) },
  { additionalProperties: false },
);

const Claims = Type.Object({
  version: Type.Integer(),
  actId: Type.String(),
  professional: Type.Object({ idNatPs: Type.String(), name: Type.String(), professionLabel: Type.Optional(Type.String()) }),
  patient: Type.Object({ familyName: Type.String(), givenName: Type.String(), birthDate: Type.String() }),
  test: Type.Object({
    type: Type.String(),
    device: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
    result: Type.String(),
    sampledAt: Type.String(),
  }),
  validityHours: Type.Integer(),
  issuedAt: Type.String(),
  place: Type.String(),
});

export const ProvisionalVerdict = Type.Object({
  status: Type.Union([Type.Literal('valid'), Type.Literal('invalid')]),
  message: Type.String({ description: 'French: the verdict as the verifier reads it' }),
  reason: Type.Optional(
    Type.Union([
      Type.Literal('malformed'),
      Type.Literal('unknown-key'),
      Type.Literal('revoked-key'),
      Type.Literal('bad-signature'),
      Type.Literal('identity-mismatch'),
      Type.Literal('future'),
      Type.Literal('outside-incident'),
      Type.Literal('expired'),
    ]),
  ),
  claims: Type.Optional(Claims),
  validUntil: Type.Optional(Type.String({ format: 'date-time' })),
  incident: Type.Optional(Incident),
  signer: Type.Optional(Type.Object({ kid: Type.String(), idNatPs: Type.String(), name: Type.String() })),
});
